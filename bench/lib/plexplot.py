#!/usr/bin/env python3
"""Plots Plex benchmark results saved by `bench/run --tree plex` (their Markdown, one or more sizes per file) as one
SVG of time and peak memory against the file count, so that runs made separately (one size a session) can be shown
together. Usage: bench/plex-plot OUT.svg RESULTS.md... [--title TEXT]. A size found in several files: the last wins."""
import argparse
import re
import sys

import plexbench

HEAD = re.compile(r"^### (\d+) files \((\d+) asked\)")
NUMBER = re.compile(r"^([0-9.]+) (s|MB)$")


def parse(path):
    """{asked N: (files, {step key: {"restic": [(s, KB, 0)], "lifeboat": [...]}})} from one results file."""
    by_label = {label: key for key, label in plexbench.STEPS}
    sizes, current = {}, None
    for line in open(path, encoding="utf-8"):
        m = HEAD.match(line)
        if m:
            files, asked = int(m.group(1)), int(m.group(2))
            current = {k: {"restic": [], "lifeboat": []} for k, _ in plexbench.STEPS}
            sizes[asked] = (files, current)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None or len(cells) < 6 or cells[0] not in by_label:
            continue
        values = [NUMBER.match(c) for c in (cells[1], cells[2], cells[4], cells[5])]
        if not all(values):
            continue  # a failed step, or the history's row without one tool
        rt, lt, rm, lm = (float(v.group(1)) for v in values)
        current[by_label[cells[0]]]["restic"].append((rt, rm * 1024, 0.0))
        current[by_label[cells[0]]]["lifeboat"].append((lt, lm * 1024, 0.0))
    if not sizes:
        sys.exit(f"plex-plot: {path} has no results of bench/run --tree plex")
    return sizes


def main():
    p = argparse.ArgumentParser(prog="bench/plex-plot", description=__doc__)
    p.add_argument("out")
    p.add_argument("results", nargs="+")
    p.add_argument("--title", default="Lifeboat vs restic on a Plex library: time and peak memory against file count")
    a = p.parse_args()
    per_size = {}
    for path in a.results:
        for asked, (files, results) in parse(path).items():
            per_size[asked] = (results, {"files": files})
    sizes = sorted(per_size)
    plexbench.plot(a.out, sizes, per_size, a.title)
    print(f"plotted {', '.join(f'{n:,}' for n in sizes)} files into {a.out}")


if __name__ == "__main__":
    main()
