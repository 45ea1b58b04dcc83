#!/usr/bin/env python3
"""Summarizes the load benchmark's results file (one JSON object per wrk run) as Markdown tables."""
import json
import statistics
import sys

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
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
