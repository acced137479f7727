#!/usr/bin/env python3
"""Helpers for bench/run: tree manifests, restore verification and the results table.

    benchlib.py manifest DIR OUT            one line per entry: path, type, mode, size, mtime, sha256
    benchlib.py compare SRC_MANIFEST DIR    exit 1 (and print differences) unless DIR matches
    benchlib.py report RESULTS.tsv META.tsv OUT.md
"""
import hashlib
import os
import stat
import statistics
import sys


def manifest(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    while True:
                        b = f.read(1 << 20)
                        if not b:
                            break
                        h.update(b)
                out[rel] = ("f", "%o" % mode, str(st.st_size), str(st.st_mtime_ns // 10**9), h.hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", "", "", "", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", "%o" % mode, "", "", "")
            else:
                out[rel] = ("o", "%o" % mode, "", "", "")
    return out


def write_manifest(root, path):
    m = manifest(root)
    with open(path, "w") as f:
        for rel, v in m.items():
            f.write(rel + "\t" + "\t".join(v) + "\n")


def read_manifest(path):
    m = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            m[parts[0]] = tuple(parts[1:])
    return m


def compare(src_manifest, root):
    want = read_manifest(src_manifest)
    got = manifest(root)
    problems, mtime_diffs = [], 0
    for rel in sorted(set(want) | set(got)):
        w, g = want.get(rel), got.get(rel)
        if w is None:
            problems.append(f"extra in restore: {rel}")
        elif g is None:
            problems.append(f"missing from restore: {rel}")
        elif w[0] != g[0]:
            problems.append(f"type differs: {rel}: {w[0]} vs {g[0]}")
        elif w[0] == "f" and (w[2] != g[2] or w[4] != g[4]):
            problems.append(f"content differs: {rel}: size {w[2]} vs {g[2]}")
        elif w[0] == "l" and w[4] != g[4]:
            problems.append(f"symlink target differs: {rel}")
        elif w[1] != g[1]:
            problems.append(f"mode differs: {rel}: {w[1]} vs {g[1]}")
        elif w[0] == "f" and w[3] != g[3]:
            mtime_diffs += 1
    files = sum(1 for v in want.values() if v[0] == "f")
    if problems:
        print(f"RESTORE MISMATCH: {len(problems)} differences (of {len(want)} entries)", file=sys.stderr)
        for p in problems[:30]:
            print("  " + p, file=sys.stderr)
        if len(problems) > 30:
            print(f"  ... and {len(problems) - 30} more", file=sys.stderr)
        return 1
    msg = f"restore verified: {files} files, contents and modes identical"
    if mtime_diffs:
        msg += f" (WARNING: {mtime_diffs} file mtimes differ)"
    print(msg)
    return 0


STEPS = [("backup1", "first backup"), ("backup2", "no-change backup"), ("backup3", "backup after 1% changed"),
         ("restore", "full restore"), ("check", "check --read-data")]
SIZES = [("repo1", "repository after first backup"), ("repo3", "repository after 3 backups")]


def median(vals):
    if not vals:
        return None
    if any(v in ("FAIL", "MISMATCH") for v in vals):
        return next(v for v in vals if v in ("FAIL", "MISMATCH"))
    if any(v == "n/a" for v in vals):
        return "n/a"
    return statistics.median(float(v) for v in vals)


def fmt(v, kind):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if kind == "s":
        return f"{v:.2f} s"
    if kind == "rss":
        return f"{v / 1024:.0f} MB"          # /usr/bin/time %M is KiB
    return f"{v / 1e6:.1f} MB"               # bytes


def ratio(a, b):
    if isinstance(a, float) and isinstance(b, float) and a > 0:
        return f"{b / a:.2f}"
    return "-"


def report(results_path, meta_path, out_path):
    data = {}
    with open(results_path) as f:
        for line in f:
            rnd, step, tool, metric, value = line.rstrip("\n").split("\t")
            data.setdefault((step, tool, metric), []).append(value)
    meta = []
    with open(meta_path) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t", 1)
            meta.append((k, v))

    rows = []
    for step, label in STEPS:
        rt, lt = median(data.get((step, "restic", "time"), [])), median(data.get((step, "lifeboat", "time"), []))
        rr, lr = median(data.get((step, "restic", "rss"), [])), median(data.get((step, "lifeboat", "rss"), []))
        rows.append((label, fmt(rt, "s"), fmt(lt, "s"), ratio(rt, lt), fmt(rr, "rss"), fmt(lr, "rss"), ratio(rr, lr)))
    size_rows = []
    for key, label in SIZES:
        rs, ls = median(data.get((key, "restic", "bytes"), [])), median(data.get((key, "lifeboat", "bytes"), []))
        size_rows.append((label, fmt(rs, "b"), fmt(ls, "b"), ratio(rs, ls)))

    head = ("step", "restic time", "Lifeboat time", "ratio", "restic peak RSS", "Lifeboat peak RSS", "ratio")
    shead = ("repository size", "restic", "Lifeboat", "ratio")

    def plain(header, body):
        w = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]
        lines = ["  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(r))
                 for r in [header] + body]
        lines.insert(1, "  ".join("-" * x for x in w))
        return "\n".join(lines)

    def md(header, body):
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
        return "\n".join(lines)

    print()
    print(plain(head, rows))
    print()
    print(plain(shead, size_rows))
    print()
    print("median over rounds; ratio = Lifeboat / restic (below 1.00: Lifeboat is faster / smaller)")

    m = dict(meta)
    out = [f"## Lifeboat vs restic — {m.get('date', '')}", ""]
    out.append(f"Machine: {m.get('nproc', '?')} × {m.get('cpu', '?')}, {m.get('mem', '?')}, kernel {m.get('kernel', '?')}. ")
    out.append(f"Tree: scale {m.get('scale')} ({m.get('tree_files')} files in {m.get('tree_dirs', '?')} directories, "
               f"{m.get('tree_mb')} MB, seed {m.get('seed')}); load average {m.get('load', '?')}.  ")
    out.append(f"Each step: "
               f"median of {m.get('rounds')} rounds, {m.get('cache')}, page cache {m.get('drop_caches')}; "
               f"repository: {m.get('backend', 'local directory')}.  ")
    out.append(f"restic: `{m.get('restic_cmd')}` ({m.get('restic_version')}); "
               f"Lifeboat: `{m.get('lifeboat_cmd')}` ({m.get('lifeboat_version')}).")
    out += ["", md(head, rows), "", md(shead, size_rows), "",
            "Ratio = Lifeboat / restic: below 1.00 means Lifeboat is faster or smaller. "
            "Peak RSS is `/usr/bin/time` %M of the whole command. Restores were verified "
            "file by file (SHA-256, size, mode) against the source tree.", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(out))
    print(f"Markdown written to {out_path}")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "manifest" and len(sys.argv) == 4:
        write_manifest(sys.argv[2], sys.argv[3])
    elif cmd == "compare" and len(sys.argv) == 4:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    elif cmd == "report" and len(sys.argv) == 5:
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
