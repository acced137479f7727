#!/usr/bin/env python3
"""Plex-sized side-by-side benchmark: restic vs Lifeboat on a library of N small files with a long history.

Run through `bench/run --tree plex [options]` (or `bench/plex-sweep`); see README.md ("Plex-sized stacks").
Per round and size, for each tool (alternating which goes first), every timed step after dropping the page cache:
first backup, no-change backup, backup after 1% changed, full restore (verified file by file), `snapshots`,
a history of H snapshots (each: one small change round of the tree, then a backup by each tool; timed only as a
total), `forget --prune` with a retention policy, `check --read-data-subset 10%`. Wall time and peak RSS come
from GNU time. Python 3 standard library only.
"""
import argparse
import datetime
import hashlib
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.join(BENCH, "lib"))
import svgplot  # noqa: E402

PASSWORD = "lifeboat-bench-password"
KEEP = ["--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "12"]
FIRST_TIME = datetime.datetime(2026, 1, 1, 2, 0, 0)
TIME_BAR, RSS_BAR = 0.5, 0.75
STEPS = [("backup1", "first backup"), ("backup2", "no-change backup"), ("backup3", "backup after 1% changed"),
         ("restore", "full restore"), ("snapshots", "snapshots"), ("history", "history: H x (change, backup), total"),
         ("forget", "forget --prune (d7 w4 m12)"), ("check", "check --read-data-subset 10%")]
PLOTTED = ("backup1", "backup2", "restore", "forget", "check")


def log(msg):
    print(msg, flush=True)


def load_avg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def remove_tree(path):
    """rm -rf: at 100,000 files shutil.rmtree takes minutes longer on a busy disk."""
    subprocess.call(["rm", "-rf", "--", path])


# ext4 without a journal (this machine's root file system, for one) will not reuse an inode freed less than 60 s
# ago, or 360 s ago while its inode-table block is dirty (fs/ext4/ialloc.c, recently_deleted): right after a
# million files are removed, every new file or directory first scans past the freed ones (measured here: ~60 us per
# mkdir against ~2 us settled). Without a wait, whichever tool restored second paid for the first one's removal.
RECENTLY_DELETED_S = 360 + 5


def reuses_freed_inodes_late(path):
    """True on ext4 mounted without a journal (no /proc/fs/jbd2 entry for its device)."""
    try:
        src, fstype = subprocess.check_output(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", path],
                                              text=True).split()[:2]
    except (OSError, subprocess.CalledProcessError, ValueError):
        return False
    return fstype == "ext4" and not os.path.exists(f"/proc/fs/jbd2/{os.path.basename(src)}-8")


def remove_and_settle(path):
    """Remove a restore target, then wait until a new inode no longer lands among the ones it freed."""
    remove_tree(path)
    os.sync()
    if reuses_freed_inodes_late(os.path.dirname(path)):
        log(f"    (waiting {RECENTLY_DELETED_S} s: ext4 without a journal reuses freed inodes only after that)")
        time.sleep(RECENTLY_DELETED_S)


def drop_caches():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


class Bench:
    def __init__(self, a):
        self.a = a
        self.argv = {"restic": shlex.split(a.restic), "lifeboat": shlex.split(a.lifeboat)}
        self.loads = []
        self.failed = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "LIFEBOAT_"))}
        self.env["RESTIC_PASSWORD"] = PASSWORD
        self.dropped = drop_caches()

    # --- commands ---------------------------------------------------------------------------
    def cmd(self, tool, repo, *args):
        return self.argv[tool] + ["-r", repo, "--no-cache"] + list(args)

    def timed(self, logpath, argv, drop=True):
        """(seconds, peak RSS KiB, CPU seconds (user + system)) of argv under GNU time, or None when it failed (its
        log tail is printed)."""
        if drop:
            drop_caches()
        self.loads.append(load_avg())
        tf = logpath + ".time"
        with open(logpath, "w") as out:
            rc = subprocess.call(["/usr/bin/time", "-f", "%e %M %U %S", "-o", tf] + argv, stdout=out,
                                 stderr=subprocess.STDOUT, env=self.env)
        if rc != 0:
            with open(logpath, errors="replace") as f:
                tail = f.readlines()[-15:]
            log(f"    FAILED ({rc}): {' '.join(argv)}\n" + "".join("      " + ln for ln in tail))
            self.failed.append(f"{os.path.basename(logpath)} (log: {logpath})")
            return None
        with open(tf) as f:
            e, m, u, s = f.read().strip().splitlines()[-1].split()
        return float(e), int(m), float(u) + float(s)

    def quiet(self, argv, logpath):
        with open(logpath, "w") as out:
            return subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT, env=self.env)

    def snapshot_count(self, tool, repo):
        import json
        try:
            out = subprocess.run(self.cmd(tool, repo, "snapshots", "--json"), capture_output=True, env=self.env,
                                 check=True).stdout
            return len(json.loads(out))
        except (subprocess.CalledProcessError, ValueError):
            return None

    # --- the tree ---------------------------------------------------------------------------
    def tree(self, n):
        h = hashlib.sha256()
        for p in ("generate-tree", "lib/plextree.py"):
            with open(os.path.join(BENCH, p), "rb") as f:
                h.update(f.read())
        path = os.path.join(self.a.workdir, "trees", f"plex-{n}-seed{self.a.seed}-{h.hexdigest()[:10]}")
        if self.a.regenerate or not os.path.exists(path + ".ok"):
            remove_tree(path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            log(f"generating a Plex tree of ~{n} files in {path} ...")
            t0 = time.time()
            subprocess.check_call([os.path.join(BENCH, "generate-tree"), "--tree", "plex", "--files", str(n),
                                   "--seed", str(self.a.seed), path])
            open(path + ".ok", "w").close()
            log(f"  took {time.time() - t0:.1f} s")
        else:
            log(f"using cached tree {path}")
        return path

    def mutate(self, src, n, rnd, fraction, logpath):
        subprocess.check_call([os.path.join(BENCH, "generate-tree"), "--tree", "plex", "--files", str(n), "--mutate",
                               "--round", str(rnd), "--fraction", str(fraction), "--seed", str(self.a.seed), src],
                              stderr=open(logpath, "a"))

    # --- one size ---------------------------------------------------------------------------
    def run_size(self, n):
        """{step: {tool: [(seconds, rss) or None per round]}}, plus facts about the tree and repositories."""
        a = self.a
        tree = self.tree(n)
        run = os.path.join(a.workdir, f"run-{n}")
        remove_tree(run)
        # the tree's copy, two repositories, a restore target and the history's growth: about 3.5 times the tree on
        # disk (directories included). The 1M run of 2026-12-05 died of a full disk in its history phase; say it first.
        need = int(3.5 * int(subprocess.check_output(["du", "-s", "--block-size=1", tree]).split()[0]))
        free = shutil.disk_usage(a.workdir).free
        if free < need:
            sys.exit(f"bench: {n} files need about {need / 1e9:.1f} GB free in {a.workdir}, it has {free / 1e9:.1f} GB: "
                     f"free some space or choose another --workdir")
        results = {s: {"restic": [], "lifeboat": []} for s, _ in STEPS}
        facts = {}
        for r in range(1, a.rounds + 1):
            remove_tree(run)
            logs = os.path.join(run, "logs")
            os.makedirs(logs)
            src = os.path.join(run, "src")
            t0 = time.time()
            subprocess.check_call(["cp", "-a", tree, src])      # the rounds change this copy, never the cached tree
            files = int(subprocess.check_output(f"find {shlex.quote(src)} -type f | wc -l", shell=True))
            dirs = int(subprocess.check_output(f"find {shlex.quote(src)} -type d | wc -l", shell=True))
            mb = int(subprocess.check_output(
                f"find {shlex.quote(src)} -type f -printf '%s\\n' | awk '{{s+=$1}} END {{printf \"%d\", s/1e6}}'",
                shell=True))
            facts.update(files=files, dirs=dirs, mb=mb)
            log(f"size {n}, round {r}/{a.rounds}: {files} files in {dirs} directories, {mb} MB "
                f"(copied in {time.time() - t0:.0f} s)")
            order = ["restic", "lifeboat"] if r % 2 else ["lifeboat", "restic"]
            repo = {t: os.path.join(run, f"repo-{t}") for t in order}
            for t in order:
                if self.quiet(self.cmd(t, repo[t], "init"), os.path.join(logs, f"init-{t}.log")) != 0:
                    self.failed.append(f"init {t}")

            def step(name, *args, drop=True, tools=order, when=None):
                for t in tools:
                    extra = ["--time", when.strftime("%Y-%m-%d %H:%M:%S")] if when else []
                    res = self.timed(os.path.join(logs, f"{name}-{t}.log"), self.cmd(t, repo[t], *args, *extra),
                                     drop)
                    results[name][t].append(res)
                    if res:
                        log(f"  {name:<9} {t:<8} {res[0]:8.2f} s {res[1] // 1024:6d} MB")

            step("backup1", "backup", src, when=FIRST_TIME)
            step("backup2", "backup", src, when=FIRST_TIME + datetime.timedelta(hours=1))
            self.mutate(src, n, 1, a.change_fraction, os.path.join(logs, "mutate.log"))
            step("backup3", "backup", src, when=FIRST_TIME + datetime.timedelta(hours=2))
            subprocess.check_call([sys.executable, os.path.join(BENCH, "lib", "benchlib.py"), "manifest", src,
                                   os.path.join(run, "src.manifest")])
            for t in order:
                target = os.path.join(run, f"restore-{t}")
                os.makedirs(target)
                before = len(results["restore"][t])
                step("restore", "restore", "latest", "--target", target, tools=[t])
                if len(results["restore"][t]) > before and results["restore"][t][-1] is not None:
                    ok = subprocess.call([sys.executable, os.path.join(BENCH, "lib", "benchlib.py"), "compare",
                                          os.path.join(run, "src.manifest"), target + src]) == 0
                    if not ok:
                        results["restore"][t][-1] = "MISMATCH"
                        self.failed.append(f"size {n} round {r} restore {t}: RESTORED TREE DIFFERS FROM THE SOURCE")
                # the next round begins with minutes of copying: only a restore later in this round waits
                if t == order[-1]:
                    remove_tree(target)
                else:
                    remove_and_settle(target)
            step("snapshots", "snapshots")
            # history: H rounds of a small change, each backed up by both tools at a later day of the year
            # (--history-by lifeboat: only Lifeboat backs up the history; restic's repository is then replaced by a
            # copy of Lifeboat's, so that forget --prune and check run on identical repositories, at a third of the
            # cost: what a 100-snapshot history at 300,000+ files needs to fit in an afternoon)
            writers = order if a.history_by == "both" else ["lifeboat"]
            totals = {t: [0.0, 0, True, 0.0] for t in order}
            t0 = time.time()
            for i in range(1, a.history + 1):
                self.mutate(src, n, 100 + i, a.history_fraction, os.path.join(logs, "mutate.log"))
                when = FIRST_TIME + datetime.timedelta(days=(i * 364) // max(1, a.history), hours=i % 24)
                for t in (writers if i % 2 else writers[::-1]):
                    res = self.timed(os.path.join(logs, f"history{i}-{t}.log"),
                                     self.cmd(t, repo[t], "backup", src, "--time",
                                              when.strftime("%Y-%m-%d %H:%M:%S")), drop=False)
                    if res is None:
                        totals[t][2] = False
                    else:
                        totals[t][0] += res[0]
                        totals[t][1] = max(totals[t][1], res[1])
                        totals[t][3] += res[2]
                if i % 10 == 0 or i == a.history:
                    log(f"  history {i}/{a.history}: restic {totals['restic'][0]:.1f} s, "
                        f"Lifeboat {totals['lifeboat'][0]:.1f} s so far ({time.time() - t0:.0f} s wall)")
            for t in writers:
                results["history"][t].append((totals[t][0], totals[t][1], totals[t][3]) if totals[t][2] and a.history
                                             else None)
            if a.history_by == "lifeboat":
                remove_tree(repo["restic"])
                subprocess.check_call(["cp", "-a", repo["lifeboat"], repo["restic"]])
                facts["shared"] = True
            counts = {t: self.snapshot_count(t, repo[t]) for t in order}
            step("forget", "forget", "--prune", *KEEP)
            after = {t: self.snapshot_count(t, repo[t]) for t in order}
            facts["snapshots"] = f"{counts} before forget, {after} after"
            if after["restic"] != after["lifeboat"]:
                log(f"  WARNING: after forget restic keeps {after['restic']} snapshots, Lifeboat {after['lifeboat']}")
            for t in order:
                facts[f"repo-{t}"] = int(subprocess.check_output(["du", "-sb", repo[t]]).split()[0])
            step("check", "check", "--read-data-subset", "10%")
            log(f"  snapshots: {facts['snapshots']}")
        if not a.keep_run:
            remove_tree(run)
        return results, facts


# --- reporting -------------------------------------------------------------------------------
def med(vals):
    if not vals:
        return None
    if any(v is None for v in vals):
        return "FAIL"
    if any(v == "MISMATCH" for v in vals):
        return "MISMATCH"
    return tuple(statistics.median(v[i] for v in vals) for i in range(3))


def rows_for(results, history):
    rows = []
    for key, label in STEPS:
        label = label.replace("H x", f"{history} x")
        r, lb = med(results[key]["restic"]), med(results[key]["lifeboat"])
        if key == "history" and not history:
            continue
        if isinstance(r, tuple) and isinstance(lb, tuple):
            tr, mr = lb[0] / r[0] if r[0] else float("inf"), lb[1] / r[1]
            bar = "met" if tr <= TIME_BAR and mr <= RSS_BAR else \
                "not met: " + " and ".join(x for x, ok in (("time", tr <= TIME_BAR), ("memory", mr <= RSS_BAR)) if not ok)
            rows.append((label, f"{r[0]:.2f} s", f"{lb[0]:.2f} s", f"{tr:.2f}", f"{r[1] / 1024:.0f} MB",
                         f"{lb[1] / 1024:.0f} MB", f"{mr:.2f}", bar, f"{r[2]:.1f} / {lb[2]:.1f} s",
                         f"{lb[2] / r[2]:.2f}" if r[2] else "-"))
        else:
            show = lambda v, i, f: v if isinstance(v, str) else ("-" if v is None else f(v[i]))  # noqa: E731
            rows.append((label, show(r, 0, lambda x: f"{x:.2f} s"), show(lb, 0, lambda x: f"{x:.2f} s"), "-",
                         show(r, 1, lambda x: f"{x / 1024:.0f} MB"), show(lb, 1, lambda x: f"{x / 1024:.0f} MB"), "-",
                         "-", show(r, 2, lambda x: f"{x:.1f}") + " / " + show(lb, 2, lambda x: f"{x:.1f} s"), "-"))
    return rows


HEAD = ("step", "restic time", "Lifeboat time", "ratio", "restic peak RSS", "Lifeboat peak RSS", "ratio",
        f"bar (time <= {TIME_BAR}, RSS <= {RSS_BAR})", "CPU time restic / Lifeboat", "CPU ratio")


def plain(rows):
    w = [max(len(str(r[i])) for r in [HEAD] + rows) for i in range(len(HEAD))]
    lines = ["  ".join(str(c).ljust(w[i]) if i in (0, 7) else str(c).rjust(w[i]) for i, c in enumerate(r))
             for r in [HEAD] + rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def md(rows):
    out = ["| " + " | ".join(HEAD) + " |", "|---|" + "---:|" * 6 + "---|---:|---:|"]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows])


def version(argv):
    try:
        return subprocess.run(argv + ["version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (IndexError, OSError):
        return "version unknown"


def machine(b):
    cpu = next((ln.split(": ", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    loads = b.loads or [load_avg()]
    return (f"Machine: {os.cpu_count()} x {cpu}, {mem / 1048576:.0f} GB RAM; 1-minute load average during the "
            f"timed steps {min(loads):.2f}-{max(loads):.2f} (mean {statistics.mean(loads):.2f}); page cache "
            f"{'dropped' if b.dropped else 'NOT dropped (not root)'} before every timed step except the history's "
            f"backups; every command with --no-cache.  \nrestic: `{b.a.restic}` ({version(b.argv['restic'])}); "
            f"Lifeboat: `{b.a.lifeboat}` ({version(b.argv['lifeboat'])}).")


def section(b, n, results, facts):
    a = b.a
    rows = rows_for(results, a.history)
    head = (f"### {facts.get('files', n)} files ({n} asked), {facts.get('dirs', '?')} directories, "
            f"{facts.get('mb', '?')} MB; {a.rounds} round(s), medians; history {a.history} snapshots "
            f"({a.history_fraction * 100:g}% changed each)")
    shared = (" The history was backed up by Lifeboat only; forget --prune and check ran on two copies of that "
              "repository." if facts.get("shared") else "")
    sizes = (f"Repository after the history and forget --prune: restic {facts.get('repo-restic', 0) / 1e6:.1f} MB, "
             f"Lifeboat {facts.get('repo-lifeboat', 0) / 1e6:.1f} MB. Snapshots: {facts.get('snapshots', '?')}.{shared}")
    return head, rows, sizes


def plot(path, n_list, per_size, title):
    panels = [svgplot.Panel("wall time", "seconds"), svgplot.Panel("peak memory (RSS)", "MB")]
    for k, key in enumerate(PLOTTED):
        label = dict(STEPS)[key]
        colour = svgplot.PALETTE[k % len(svgplot.PALETTE)]
        for tool, dashed in (("restic", True), ("lifeboat", False)):
            pts_t, pts_m = [], []
            for n in n_list:
                m = med(per_size[n][0][key][tool])
                if isinstance(m, tuple):
                    x = per_size[n][1].get("files", n)
                    pts_t.append((x, m[0]))
                    pts_m.append((x, m[1] / 1024))
            name = f"{'restic' if tool == 'restic' else 'Lifeboat'}: {label}"
            panels[0].add(name, pts_t, colour, dashed)
            panels[1].add(name, pts_m, colour, dashed)
    svgplot.write_svg(path, title, panels, "files in the tree", note="dashed: restic; solid: Lifeboat")


def pin_build(b, a):
    """The ./lifeboat script rebuilds itself when a source changes: a long run would time a build, or switch binaries
    halfway. Run a copy of the build the warm-up made instead."""
    script = os.path.join(os.path.dirname(BENCH), "lifeboat")
    built = os.path.join(os.path.dirname(BENCH), ".build", "cli")
    if len(b.argv["lifeboat"]) != 1 or os.path.realpath(b.argv["lifeboat"][0]) != script or not os.path.isdir(built):
        return
    pinned = os.path.join(a.workdir, "lifeboat-build")
    shutil.rmtree(pinned, ignore_errors=True)
    shutil.copytree(os.path.realpath(built), pinned, symlinks=True)
    b.argv["lifeboat"] = [os.path.join(pinned, "lifeboat")]
    log(f"Lifeboat: running a copy of this build, {pinned}/lifeboat (sources changed later do not affect the run)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", choices=("plex",), default="plex")
    ap.add_argument("--files", type=int, default=100_000, help="about this many files (default 100000)")
    ap.add_argument("--files-sweep", help="comma-separated sizes, e.g. 100000,300000,1000000: one run per size, "
                                          "then a table and an SVG plot of time and memory against the file count")
    ap.add_argument("--history", type=int, default=100, help="snapshots in the history before forget (default 100)")
    ap.add_argument("--history-by", choices=("both", "lifeboat"), default="both",
                    help="who backs up the history: both tools (default), or Lifeboat only, restic's repository then "
                         "being a copy of Lifeboat's for forget --prune and check")
    ap.add_argument("--history-fraction", type=float, default=0.002, help="share changed per history round")
    ap.add_argument("--change-fraction", type=float, default=0.01, help="share changed before the third backup")
    ap.add_argument("--rounds", type=int, default=1, help="rounds per size; medians are reported (default 1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--lifeboat", default=os.environ.get("LIFEBOAT_BIN", os.path.join(os.path.dirname(BENCH), "lifeboat")))
    ap.add_argument("--restic", default=os.environ.get("RESTIC_BIN", "restic"))
    ap.add_argument("--workdir", default=os.environ.get("LIFEBOAT_BENCH_DIR", "/var/tmp/lifeboat-bench-plex"))
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--keep-run", action="store_true", help="keep the repositories and logs of the last size")
    ap.add_argument("--out", default=os.path.join(BENCH, "results", "plex-latest.md"))
    ap.add_argument("--svg", default=None, help="sweep plot (default: beside --out, .svg)")
    a = ap.parse_args()
    sizes = [int(x) for x in a.files_sweep.split(",")] if a.files_sweep else [a.files]
    if not os.path.exists("/usr/bin/time"):
        sys.exit("bench/run: /usr/bin/time (GNU time) is required: apt-get install time")
    b = Bench(a)
    subprocess.call(b.argv["lifeboat"] + ["version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    pin_build(b, a)
    if load_avg() > 0.5:
        log(f"WARNING: load average is {load_avg():.2f}: other work on this machine distorts the timings")
    start = time.time()
    per_size = {}
    for n in sizes:
        per_size[n] = b.run_size(n)
    elapsed = time.time() - start
    out = [f"## Plex-sized stacks: Lifeboat vs restic — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC", "",
           machine(b), ""]
    for n in sizes:
        head, rows, sizes_line = section(b, n, *per_size[n])
        log("\n" + head + "\n" + plain(rows) + "\n" + sizes_line)
        out += [head, "", md(rows), "", sizes_line, ""]
    out += ["Ratio = Lifeboat / restic. Peak RSS is GNU time's %M of the whole command; CPU time its user + system "
            "seconds (less disturbed than wall time by other work on the machine; the bar is on wall time); the "
            "history row is the "
            "sum of its backups' times and the largest peak. Restores were verified file by file (SHA-256, size, "
            "mode) against the source tree.", "", f"Benchmark time: {elapsed / 60:.1f} min.", ""]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    if len(sizes) > 1:
        svg = a.svg or os.path.splitext(a.out)[0] + ".svg"
        plot(svg, sizes, per_size, "Lifeboat vs restic on a Plex library: time and peak memory against file count")
        out += [f"Plot: {svg}", ""]
        log(f"plot written to {svg}")
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    log(machine(b))
    log(f"Markdown written to {a.out}; benchmark took {elapsed / 60:.1f} min")
    if b.failed:
        log("\n######## BENCHMARK FAILED ########\n" + "\n".join("  " + f for f in b.failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
