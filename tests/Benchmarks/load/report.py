#!/usr/bin/env python3
"""Summarizes the load benchmark's results file (one JSON object per wrk run) as a Markdown table."""
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
print("| scenario | target | req/s (median) | p50 ms | p99 ms | peak RSS MiB | × bare YARP (same round) | non-2xx | rounds |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for scenario in scenarios:
    for target in targets:
        mine = [r for r in runs if r["scenario"] == scenario and r["target"] == target]
        if not mine:
            continue
        ratios = []
        for r in mine:
            bare = [b for b in runs if b["scenario"] == scenario and b["target"] == "bare-yarp" and b["round"] == r["round"]]
            if bare and bare[0]["rps"] > 0:
                ratios.append(r["rps"] / bare[0]["rps"])
        med = lambda key: statistics.median(r[key] for r in mine)
        non2xx = sum(r["non2xx"] for r in mine) / max(1, sum(r["requests"] for r in mine))
        peak = rss.get((scenario, target))
        print(f"| {scenario} | {target} | {med('rps'):,.0f} | {med('p50_ms'):.2f} | {med('p99_ms'):.2f} | "
              f"{peak / 1024:.0f} | {statistics.median(ratios):.2f} | {non2xx:.1%} | {len(mine)} |" if peak else
              f"| {scenario} | {target} | {med('rps'):,.0f} | {med('p50_ms'):.2f} | {med('p99_ms'):.2f} | ? | "
              f"{statistics.median(ratios):.2f} | {non2xx:.1%} | {len(mine)} |")
