#!/usr/bin/env python3
"""Reads a delay-proxy trace (DELAY_PROXY_TRACE) and prints a per-request timeline summary for a time window.

Usage: trace-summary.py TRACE [START END]   (START/END: seconds since the epoch; default: the whole trace)

A request is the run of "up" chunks on a connection after its previous answer; its answer is the "down" chunks that
follow. For each request: sent (first up chunk), first byte (first down chunk), last byte, bytes. Printed: how many
requests, their time to first byte and transfer time (medians and 90th percentiles), and over the window how many
connections were busy (a request sent and its last byte not yet in) for what share of the time, and how long
connections sat idle between an answer's end and their next request.
"""
import sys
from collections import defaultdict


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    path = sys.argv[1]
    start = float(sys.argv[2]) if len(sys.argv) > 2 else None
    end = float(sys.argv[3]) if len(sys.argv) > 3 else None
    chunks = defaultdict(list)
    for line in open(path):
        t, conn, direction, size = line.split()
        t = float(t)
        if (start is not None and t < start) or (end is not None and t > end):
            continue
        chunks[conn].append((t, direction, int(size)))

    requests = []  # (conn, sent, first, last, bytes)
    for conn, events in chunks.items():
        current = None
        for t, direction, size in events:
            if direction == "up":
                if size == 0:
                    continue
                if current is None or current[2] is not None:
                    if current is not None:
                        requests.append(current)
                    current = [conn, t, None, None, 0]
            elif current is not None and size > 0:
                if current[2] is None:
                    current[2] = t
                current[3] = t
                current[4] += size
        if current is not None and current[2] is not None:
            requests.append(current)
    requests = [r for r in requests if r[2] is not None]
    if not requests:
        print("no requests in the window")
        return
    requests.sort(key=lambda r: r[1])
    t0, t1 = requests[0][1], max(r[3] for r in requests)
    ttfb = [r[2] - r[1] for r in requests]
    transfer = [r[3] - r[2] for r in requests]
    total = sum(r[4] for r in requests)
    print(f"window {t1 - t0:.2f} s, {len(requests)} requests on {len({r[0] for r in requests})} connections, {total / 1e6:.1f} MB down ({total / 1e6 / (t1 - t0):.1f} MB/s)")
    print(f"time to first byte: median {percentile(ttfb, 50) * 1000:.0f} ms, p90 {percentile(ttfb, 90) * 1000:.0f} ms, max {max(ttfb) * 1000:.0f} ms")
    print(f"transfer (first to last byte): median {percentile(transfer, 50) * 1000:.0f} ms, p90 {percentile(transfer, 90) * 1000:.0f} ms")
    big = [r for r in requests if r[4] > 1_000_000]
    if big:
        rates = [r[4] / 1e6 / max(r[3] - r[2], 1e-3) for r in big]
        print(f"answers over 1 MB: {len(big)}, per-connection rate median {percentile(rates, 50):.1f} MB/s")

    # busy connections over time, in 10 ms steps
    step = 0.01
    slots = int((t1 - t0) / step) + 1
    busy = [0] * slots
    for r in requests:
        for i in range(int((r[1] - t0) / step), int((r[3] - t0) / step) + 1):
            busy[i] += 1
    histogram = defaultdict(int)
    for b in busy:
        histogram[b] += 1
    print("busy connections: " + ", ".join(f"{k}: {v * 100 / slots:.0f}%" for k, v in sorted(histogram.items())))

    gaps = []
    by_conn = defaultdict(list)
    for r in requests:
        by_conn[r[0]].append(r)
    for rs in by_conn.values():
        for a, b in zip(rs, rs[1:]):
            gaps.append(b[1] - a[3])
    if gaps:
        print(f"idle between an answer's end and the next request: median {percentile(gaps, 50) * 1000:.0f} ms, p90 {percentile(gaps, 90) * 1000:.0f} ms, sum {sum(gaps):.2f} s")


if __name__ == "__main__":
    main()
