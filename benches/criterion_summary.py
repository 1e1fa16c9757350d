#!/usr/bin/env python3
"""Median and spread of the last criterion run, as a markdown table for benches/README.md.

criterion keeps, per benchmark, the samples of its latest run under target/criterion/*/new/.
Each sample is many iterations; its time per iteration is one measurement. This prints, per
benchmark, the median and [min - max] of those per-iteration times. To compare two versions,
copy target/criterion away after the first run and pass both directories.

Usage: benches/criterion_summary.py [target/criterion [other/criterion]]
"""

import json
import os
import statistics
import sys


def per_iteration(path):
    with open(path) as f:
        sample = json.load(f)
    return sorted(t / n for t, n in zip(sample["times"], sample["iters"]))


def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def cell(times):
    if not times:
        return "—"
    return f"{human(statistics.median(times))} [{human(times[0])} – {human(times[-1])}]"


def latest(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "sample.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            name = json.load(f)["full_id"]
        out[name] = per_iteration(os.path.join(dirpath, "sample.json"))
    return out


def main():
    roots = sys.argv[1:] or ["target/criterion"]
    runs = [latest(r) for r in roots]
    names = sorted(set().union(*runs))
    print("| benchmark | " + " | ".join(f"{r}: median [min – max]" for r in roots) + " |")
    print("|---|" + "---|" * len(roots))
    for name in names:
        print(f"| {name} | " + " | ".join(cell(run.get(name, [])) for run in runs) + " |")


if __name__ == "__main__":
    main()
