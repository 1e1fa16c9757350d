#!/usr/bin/env python3
"""Start-up and idle cost of `ripcord demo` in an 80x24 terminal (issue 10, benchmarks 3 and 4).

The cockpit runs in a private tmux server (a real pty, drawn by a real terminal emulator):
- start-up: wall time from launching the process to the first *complete* frame, i.e. the first
  screen tmux shows on which no pane or feed is still waiting (no "waiting" anywhere, and the
  status bar gives an age for lag, backups and dns). The screen is polled every 10 ms, so each
  figure is late by up to ~10 ms plus one `capture-pane`;
- peak RSS: VmHWM of the process (/proc/PID/status) after the measurement;
- idle: once the frame is complete, nothing is pressed for IDLE seconds; CPU seconds are
  utime+stime from /proc/PID/stat, split by thread name from /proc/PID/task/*/stat, and the
  bytes are those the process wrote to its pty (tmux pipe-pane -o).

Usage: benches/pty_costs.py [--bin target/release/ripcord] [--runs 5] [--idle 60]
                            [--startup-sizes 10,1000,10000] [--idle-sizes 4,10000]
Prints one line per run and a median [min-max] summary per measurement.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")
STATUS_AGES = re.compile(r"lag [^—\s]+.* · backups [^—\s]+.* · dns [^—\s]+")


class Cockpit:
    """One `ripcord demo` in its own tmux server; always torn down (`with`)."""

    def __init__(self, binary, fleet, width=80, height=24):
        self.home = tempfile.mkdtemp(prefix="ripcord-bench-")
        self.sock = os.path.join(self.home, "tmux.sock")
        self.log = os.path.join(self.home, "pty.bytes")
        self.cmd = (
            f"exec env HOME={self.home} XDG_CONFIG_HOME={self.home}/config "
            f"XDG_DATA_HOME={self.home}/data RIPCORD_AUDIT_DIR={self.home}/audit "
            f"TERM=xterm-256color {binary} demo --fleet-size {fleet}"
        )
        self.width, self.height = width, height
        self.pid = None

    def tmux(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-S", self.sock, "-f", "/dev/null", *args],
            check=check,
            capture_output=True,
            text=True,
        )

    def __enter__(self):
        # The pane starts with `cat`-less `sleep` so pipe-pane is attached before ripcord
        # writes its first byte; `respawn-pane` then execs ripcord in the same pty.
        self.tmux("new-session", "-d", "-x", str(self.width), "-y", str(self.height), "sleep 1000")
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        self.tmux("pipe-pane", "-o", f"cat >> {self.log}")
        self.started = time.monotonic()
        self.tmux("respawn-pane", "-k", self.cmd)
        self.pid = int(self.tmux("display-message", "-p", "#{pane_pid}").stdout.strip())
        return self

    def __exit__(self, *exc):
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def screen(self):
        return self.tmux("capture-pane", "-p").stdout

    def wait_complete(self, limit=120.0):
        while time.monotonic() - self.started < limit:
            text = self.screen()
            if "waiting" not in text and STATUS_AGES.search(text):
                return time.monotonic() - self.started
            time.sleep(0.01)
        raise SystemExit(f"no complete frame within {limit}s; last screen:\n{self.screen()}")

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def cpu_by_thread_name(self):
        out = {}
        for tid in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{tid}/stat") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw.rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / TICK
        return out

    def peak_rss_mb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def bytes_written(self):
        try:
            return os.path.getsize(self.log)
        except FileNotFoundError:
            return 0


def summary(label, values, unit):
    values = sorted(values)
    print(
        f"  {label}: median {statistics.median(values):.3g} {unit} "
        f"[{values[0]:.3g} - {values[-1]:.3g}] over {len(values)} runs"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/ripcord")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--startup-sizes", default="10,1000,10000")
    ap.add_argument("--idle-sizes", default="4,10000")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable (build it: cargo build --release)")
    sizes = lambda s: [int(x) for x in s.split(",") if x]

    for fleet in sizes(args.startup_sizes):
        first, rss = [], []
        for run in range(args.runs):
            with Cockpit(binary, fleet) as c:
                first.append(c.wait_complete() * 1000)
                time.sleep(1.0)  # a few frames more: the peak is rarely the first frame
                rss.append(c.peak_rss_mb())
            print(f"start-up fleet={fleet} run={run}: first complete frame {first[-1]:.0f} ms, "
                  f"peak RSS {rss[-1]:.1f} MB", flush=True)
        print(f"start-up, fleet {fleet}:")
        summary("exec to first complete frame", first, "ms")
        summary("peak RSS", rss, "MB")

    for fleet in sizes(args.idle_sizes):
        cpu, kb, rss, threads = [], [], [], {}
        for run in range(args.runs):
            with Cockpit(binary, fleet) as c:
                c.wait_complete()
                time.sleep(2.0)  # let start-up work finish before the idle minute starts
                cpu0, bytes0, t0 = c.cpu_seconds(), c.bytes_written(), c.cpu_by_thread_name()
                time.sleep(args.idle)
                cpu.append(c.cpu_seconds() - cpu0)
                kb.append((c.bytes_written() - bytes0) / 1024 * 60 / args.idle)
                rss.append(c.peak_rss_mb())
                for name, s in c.cpu_by_thread_name().items():
                    threads.setdefault(name, []).append(s - t0.get(name, 0))
            print(f"idle fleet={fleet} run={run}: {cpu[-1]:.2f} CPU s in {args.idle:.0f} s, "
                  f"{kb[-1]:.1f} KB/min written, peak RSS {rss[-1]:.1f} MB", flush=True)
        print(f"idle {args.idle:.0f} s, fleet {fleet}, 80x24:")
        summary("CPU seconds", cpu, "s")
        summary("share of one core", [c / args.idle * 100 for c in cpu], "%")
        summary("bytes written to the pty", kb, "KB/min")
        summary("peak RSS", rss, "MB")
        for name, vals in sorted(threads.items(), key=lambda kv: -statistics.median(kv[1])):
            summary(f"CPU s of threads named {name!r}", vals, "s")


if __name__ == "__main__":
    main()
