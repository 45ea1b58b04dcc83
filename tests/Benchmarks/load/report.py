#!/usr/bin/env python3
"""Summarizes the load benchmark's results file (one JSON object per wrk run) as Markdown tables."""
import json
import statistics
import sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# wrk runs of proxies; the verification costs (miss scenarios) and cold replicas (cold-start) have tables of their own.
runs = [r for r in records if "rps" in r and r["scenario"] != "cold-start"]
verifications = [r for r in records if r["target"] == "verify"]
colds = [r for r in records if r["scenario"] == "cold-start"]
rss = {}
for line in open(sys.argv[2]) if len(sys.argv) > 2 else []:
    scenario, target, kib = line.split()
    rss[(scenario, target)] = int(kib)

scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
targets = list(dict.fromkeys(r["target"] for r in runs))


def same_round(r, target):
    """The run of `target` in r's scenario and round, if any."""
    found = [b for b in runs if b["scenario"] == r["scenario"] and b["target"] == target and b["round"] == r["round"]]
    return found[0] if found else None


def median_ratio(mine, target, key):
    ratios = []
    for r in mine:
        other = same_round(r, target)
        if other and other[key] > 0:
            ratios.append(r[key] / other[key])
    return statistics.median(ratios) if ratios else None


loads = [r["loadavg"] for r in records if "loadavg" in r]
if loads:
    print(f"Machine load average (1 min) during the measured runs: median {statistics.median(loads):.1f}, "
          f"min {min(loads):.1f}, max {max(loads):.1f} on {__import__('os').cpu_count()} cores (above the core count, "
          "other processes competed for the CPUs: trust the same-round ratios, not the absolute rates).")
    print()
if runs:
    print("| scenario | target | req/s (median) | p50 ms | p99 ms | peak RSS MiB | × bare YARP (same round) | non-2xx | rounds |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for scenario in scenarios:
    for target in targets:
        mine = [r for r in runs if r["scenario"] == scenario and r["target"] == target]
        if not mine:
            continue
        med = lambda key: statistics.median(r[key] for r in mine)
        non2xx = sum(r["non2xx"] for r in mine) / max(1, sum(r["requests"] for r in mine))
        peak = rss.get((scenario, target))
        ratio = median_ratio(mine, "bare-yarp", "rps")
        print(f"| {scenario} | {target} | {med('rps'):,.0f} | {med('p50_ms'):.2f} | {med('p99_ms'):.2f} | "
              f"{f'{peak / 1024:.0f}' if peak else '?'} | {f'{ratio:.2f}' if ratio is not None else '?'} | {non2xx:.1%} | {len(mine)} |")

# Scenarios that compare a target with a baseline of their own (a limit, introspection, DPoP): the ratios of each
# round's pair, medians over the rounds. req/s below 1 and p99 above 1 are the price of the feature.
pairs = [(s, t, b) for s in scenarios for t in targets for b in
         {r.get("baseline") for r in runs if r["scenario"] == s and r["target"] == t and r.get("baseline")}]
if pairs:
    print()
    print("| scenario | target | baseline (same round) | req/s × baseline (median) | p50 × baseline | p99 × baseline | rounds |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    fmt = lambda x: f"{x:.2f}" if x is not None else "?"
    for scenario, target, baseline in pairs:
        mine = [r for r in runs if r["scenario"] == scenario and r["target"] == target]
        print(f"| {scenario} | {target} | {baseline} | {fmt(median_ratio(mine, baseline, 'rps'))} | "
              f"{fmt(median_ratio(mine, baseline, 'p50_ms'))} | {fmt(median_ratio(mine, baseline, 'p99_ms'))} | {len(mine)} |")


# The miss scenarios: the gateway with every request a cache miss, against the stock stack and the crypto floor, all
# in the same round. Floor = bare YARP + one verification: 1 / (1 / bare YARP's req/s + the verification's seconds),
# the best a proxy could do that verifies one signature per request on the same core.
def rps_of(scenario, target, rnd):
    found = [r["rps"] for r in runs if r["scenario"] == scenario and r["target"] == target and r["round"] == rnd]
    return found[0] if found else None


miss = [s for s in scenarios if s.startswith("miss-")]
if miss:
    targets_ratio = {"miss-rs256": 1.5, "miss-es256": 1.3}
    print()
    print("Miss path (every request a token the gateway has not cached). floor = bare YARP + one signature verification "
          "measured on the target's CPU in the same round; ratios are medians of each round's ratio.")
    print()
    print("| scenario | verify µs (median) | floor req/s | gateway-miss req/s | standard-stack req/s | gateway × stock | gateway × floor "
          "| stock × floor | best possible × stock (floor ÷ stock) | issue's target × stock | rounds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scenario in miss:
        rows = []
        for v in (v for v in verifications if v["scenario"] == scenario):
            bare, gw, std = (rps_of(scenario, t, v["round"]) for t in ("bare-yarp", "gateway-miss", "standard-stack"))
            if bare and gw and std:
                floor = 1 / (1 / bare + v["verify_us"] / 1e6)
                rows.append((v["verify_us"], floor, gw, std))
        if not rows:
            continue
        med = lambda f: statistics.median(f(r) for r in rows)
        print(f"| {scenario} | {med(lambda r: r[0]):.1f} | {med(lambda r: r[1]):,.0f} | {med(lambda r: r[2]):,.0f} | {med(lambda r: r[3]):,.0f} "
              f"| {med(lambda r: r[2] / r[3]):.2f} | {med(lambda r: r[2] / r[1]):.2f} | {med(lambda r: r[3] / r[1]):.2f} "
              f"| {med(lambda r: r[1] / r[3]):.2f} | {targets_ratio.get(scenario, 0):.1f} | {len(rows)} |")
    print()
    print("gateway × floor = 1.00 would mean the gateway costs nothing but the proxy and the signature check. A target "
          "'× stock' above 'best possible × stock' cannot be met by any validator that verifies the signature on a miss.")

    # The measured floor: floor-proxy (YARP + a signature check and nothing else) run in the same rounds. Its cost over
    # bare YARP is what one verification costs under load, against the tight loop of verify-cost.
    measured = []
    for scenario in miss:
        rows = []
        for v in (v for v in verifications if v["scenario"] == scenario):
            bare, gw, std, floor = (rps_of(scenario, t, v["round"]) for t in ("bare-yarp", "gateway-miss", "standard-stack", "floor-proxy"))
            if bare and gw and std and floor:
                computed = 1 / (1 / bare + v["verify_us"] / 1e6)
                beyond = lambda rps: 1e6 / rps - 1e6 / bare  # µs per request on the target core beyond bare YARP
                rows.append(dict(verify=v["verify_us"], computed=computed, floor=floor, gw=gw, std=std,
                                 floor_us=beyond(floor), gw_us=beyond(gw), std_us=beyond(std)))
        if rows:
            measured.append((scenario, rows))
    if measured:
        print()
        print("Measured floor: floor-proxy (tests/Benchmarks/FloorProxy: YARP + one signature verification by kid, keys imported "
              "once, nothing else; never a gateway) in the same rounds. µs beyond bare YARP = 1/req/s − 1/bare YARP's req/s, "
              "per request on the target core; medians of each round's value.")
        print()
        print("| scenario | measured floor req/s | × computed floor | gateway × measured floor | stock × measured floor "
              "| measured floor ÷ stock | verify µs (tight loop) | µs beyond bare: floor-proxy | gateway-miss | stock | rounds |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for scenario, rows in measured:
            med = lambda f: statistics.median(f(r) for r in rows)
            print(f"| {scenario} | {med(lambda r: r['floor']):,.0f} | {med(lambda r: r['floor'] / r['computed']):.2f} "
                  f"| {med(lambda r: r['gw'] / r['floor']):.2f} | {med(lambda r: r['std'] / r['floor']):.2f} "
                  f"| {med(lambda r: r['floor'] / r['std']):.2f} | {med(lambda r: r['verify']):.1f} | {med(lambda r: r['floor_us']):.1f} "
                  f"| {med(lambda r: r['gw_us']):.1f} | {med(lambda r: r['std_us']):.1f} | {len(rows)} |")
        print()
        print("'× computed floor' below 1 is what the tight loop misses; 'measured floor ÷ stock' is the best ratio to the stock "
              "stack a validator verifying one signature per miss reached on this machine in these rounds.")

# Cold start: per variant, the time from spawn to the first 200 of /healthz/ready (keys in Redis), and what a replica
# served in its first seconds under load against the warm gateway's rate in the same round (the steady state).
if colds:
    print()
    print("Cold start (a new replica, keys already in Redis): ready = spawn to the first 200 of /healthz/ready, without "
          "load; served = 2xx in the first seconds under load from spawn, × steady = served ÷ (the warm gateway's req/s × "
          "the same seconds) in the same round.")
    print()
    print("| variant | environment | ready ms (median) | ready ms (max) | key source | listening ms under load | ready ms under load | 2xx served, first s (median) | × steady (median) | rounds |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for variant in dict.fromkeys(r["target"] for r in colds if "ready_ms" in r):
        mine = [r for r in colds if r["target"] == variant and r.get("ready_ms") is not None]
        if not mine:
            print(f"| {variant} | never ready | | | | | | 0 |")
            continue
        ratios = []
        for r in mine:
            steady = [w["rps"] for w in colds if w["target"] == "gateway" and w["round"] == r["round"] and "rps" in w]
            if steady and steady[0] > 0:
                ratios.append(r["served"] / (steady[0] * r.get("seconds", 5)))
        under = [r["ready_ms_under_load"] for r in mine if r.get("ready_ms_under_load") is not None]
        sources = ",".join(sorted({s for r in mine for s in r.get("sources", [])}))
        listening = [r["listen_ms"] for r in mine if r.get("listen_ms") is not None]
        print(f"| {variant} | {mine[0].get('env') or '(as published)'} | {statistics.median(r['ready_ms'] for r in mine):,.0f} | {max(r['ready_ms'] for r in mine):,.0f} | {sources} "
              f"| {f'{statistics.median(listening):,.0f}' if listening else 'never'} "
              f"| {f'{statistics.median(under):,.0f}' if under else 'never'} | {statistics.median(r['served'] for r in mine):,.0f} "
              f"| {f'{statistics.median(ratios):.2f}' if ratios else '?'} | {len(mine)} |")

    # The ramp-up: per half second since the spawn, the 2xx served ÷ the steady rate's share of that half second (the
    # warm gateway in the same round), medians over the rounds. Where it reaches ~1 the replica is at its steady rate.
    ramp = {}
    for variant in dict.fromkeys(r["target"] for r in colds if r.get("buckets")):
        per_round = []
        for r in (r for r in colds if r["target"] == variant and r.get("buckets")):
            steady = [w["rps"] for w in colds if w["target"] == "gateway" and w["round"] == r["round"] and "rps" in w]
            if not steady or steady[0] <= 0:
                continue
            step = max(1, round(0.5 / r["bucket_s"]))
            halves = [sum(r["buckets"][i:i + step]) for i in range(0, len(r["buckets"]), step)]
            per_round.append([n / (steady[0] * r["bucket_s"] * step) for n in halves])
        if per_round:
            width = min(len(x) for x in per_round)
            ramp[variant] = [statistics.median(x[i] for x in per_round) for i in range(width)]
    if ramp:
        width = max(len(v) for v in ramp.values())
        print()
        print("Ramp-up: 2xx per half second since the spawn ÷ the warm gateway's rate (same round), medians over the rounds.")
        print()
        print("| variant | " + " | ".join(f"{i * 0.5:.1f}–{(i + 1) * 0.5:.1f} s" for i in range(width)) + " |")
        print("| --- |" + " ---: |" * width)
        for variant, values in ramp.items():
            print(f"| {variant} | " + " | ".join(f"{v:.2f}" for v in values) + " |" * (width - len(values) + 1))
