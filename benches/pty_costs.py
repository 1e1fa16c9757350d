#!/usr/bin/env python3
"""Start-up and idle cost of ripcord in an 80x24 terminal (issue 10, benchmarks 3 and 4).

Every program runs in a private tmux server (a real pty, drawn by a real terminal emulator):
- start-up (`ripcord demo` only): wall time from launching the process to the first *complete*
  frame, i.e. the first screen tmux shows on which no pane or feed is still waiting (no
  "waiting" anywhere, and the status bar gives an age for lag, backups and dns). The screen is
  polled every 10 ms, so each figure is late by up to ~10 ms plus one `capture-pane`;
- peak RSS: VmHWM of the process (/proc/PID/status) after the measurement;
- idle: once the frame is complete (+2 s), nothing is pressed for IDLE seconds; CPU seconds
  are utime+stime from /proc/PID/stat, split by thread name from /proc/PID/task/*/stat, and
  the bytes are those the process wrote to its pty (tmux pipe-pane -o).

Three idle subjects, each in the same 80x24 pty:
- `ripcord demo --fleet-size N` for each N of --idle-sizes (the simulated fleet);
- the live cockpit (`ripcord --regions us-east-1,us-west-2`, no subcommand) against a moto
  server of its own on a free loopback port (.venv/bin/moto_server, in its own process group,
  stopped at the end whatever happens), seeded by benches/seed_live.py with a primary in
  us-east-1 and N cross-region read replicas of it in us-west-2 for each N of --live-sizes,
  two backup vaults and a plan per region, two Route 53 health checks and a failover pair.
  ripcord reaches moto through the standard AWS variables (AWS_ENDPOINT_URL, test keys) with
  a throwaway HOME, config, audit and log directories, and the default refresh intervals
  (lag and DNS 30 s, backups 5 min). moto 5.2 answers the Rust SDK's CloudWatch and Backup
  job calls with 404s, so the lag and health cells say "cannot tell" and the backups pane
  shows its failed calls: that is what this cockpit draws against moto, ages and all;
- `htop` (if installed), for scale: a program people leave open in a terminal.

--keep-streams DIR keeps, per idle run, the bytes written during the idle window
(`SUBJECT-runN.bytes`) and the screen at its end (`SUBJECT-runN.txt`), for
benches/pty_attribute.py (which screen regions the bytes went to).

Usage: benches/pty_costs.py [--bin target/release/ripcord] [--runs 5] [--idle 60]
                            [--startup-sizes 10,1000,10000] [--idle-sizes 4,10000]
                            [--live-sizes 4] [--no-htop] [--keep-streams DIR]
(an empty list, e.g. `--startup-sizes ''`, skips that measurement)
Prints one line per run and a median [min-max] summary per measurement.
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
TICK = os.sysconf("SC_CLK_TCK")
STATUS_AGES = re.compile(r"lag [^—\s]+.* · backups [^—\s]+.* · dns [^—\s]+")
# The live cockpit on moto: CloudWatch and the Backup job listings answer 404, so the backups
# age may stay "—" (never fetched); lag and DNS carry an age once their listings answered.
LIVE_AGES = re.compile(r"lag \d[^—\s]*.* · backups \S+.* · dns \d[^—\s]*")
LIVE_REGIONS = ["us-east-1", "us-west-2"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """moto on a free loopback port, in a process group of its own, stopped on exit."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    self.post("/moto-api/reset")
                    break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"moto did not start on port {self.port}")
                    time.sleep(0.1)
            self.post("/moto-api/seed?a=42")
        except BaseException:
            self.__exit__()
            raise
        return self

    def post(self, path):
        request = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def __exit__(self, *_):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass


class Pty:
    """One program in its own tmux server and throwaway HOME; always torn down (`with`).

    `command(home)` gives the program's argv; `env` its environment beyond HOME and TERM
    (nothing else of this user's is passed on)."""

    def __init__(self, command, env=None, width=80, height=24):
        self.home = tempfile.mkdtemp(prefix="ripcord-bench-")
        self.sock = os.path.join(self.home, "tmux.sock")
        self.log = os.path.join(self.home, "pty.bytes")
        h = self.home
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": h,
            "XDG_CONFIG_HOME": f"{h}/config",
            "XDG_DATA_HOME": f"{h}/data",
            "XDG_STATE_HOME": f"{h}/state",
            "RIPCORD_AUDIT_DIR": f"{h}/audit",
            "RIPCORD_LOG_DIR": f"{h}/logs",
            "TERM": "xterm-256color",
        }
        base.update(env or {})
        assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in base.items())
        argv = " ".join(shlex.quote(a) for a in command)
        self.cmd = f"exec env -i {assigns} {argv}"
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
        try:
            # The pane starts with `sleep` so pipe-pane is attached before the program writes
            # its first byte; `respawn-pane` then execs the program in the same pty.
            self.tmux("new-session", "-d", "-x", str(self.width), "-y", str(self.height),
                      "sleep 1000")
            self.tmux("set-option", "-g", "remain-on-exit", "on")
            self.tmux("pipe-pane", "-o", f"cat >> {self.log}")
            self.started = time.monotonic()
            self.tmux("respawn-pane", "-k", self.cmd)
            self.pid = int(self.tmux("display-message", "-p", "#{pane_pid}").stdout.strip())
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def screen(self):
        return self.tmux("capture-pane", "-p").stdout

    def wait_for(self, complete, limit=120.0):
        """Seconds from launch to the first screen `complete` accepts."""
        while time.monotonic() - self.started < limit:
            text = self.screen()
            if complete(text):
                return time.monotonic() - self.started
            if self.tmux("display-message", "-p", "#{pane_dead}").stdout.strip() == "1":
                break
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

    def keep(self, start, directory, name):
        """Copies the bytes written since offset `start`, and the screen, into `directory`."""
        os.makedirs(directory, exist_ok=True)
        with open(self.log, "rb") as f:
            f.seek(start)
            data = f.read()
        Path(directory, f"{name}.bytes").write_bytes(data)
        Path(directory, f"{name}.txt").write_text(self.screen())


def demo_complete(text):
    return "waiting" not in text and STATUS_AGES.search(text) is not None


def live_complete(replicas):
    def complete(text):
        rows = len(re.findall(r"orders-dr-\d+ ", text))
        return ("waiting" not in text and LIVE_AGES.search(text) is not None
                and rows >= min(replicas, 6))
    return complete


def htop_complete(text):
    return "Load average" in text or "Tasks:" in text


def summary(label, values, unit):
    values = sorted(values)
    print(
        f"  {label}: median {statistics.median(values):.3g} {unit} "
        f"[{values[0]:.3g} - {values[-1]:.3g}] over {len(values)} runs"
    )


def idle(label, runs, seconds, start, keep_dir, threads_too=True):
    """`start()` gives a `with`-able Pty whose first frame is complete; measures RUNS idle
    windows of SECONDS each and prints them."""
    cpu, kb, rss, threads = [], [], [], {}
    for run in range(runs):
        with start() as c:
            time.sleep(2.0)  # let start-up work finish before the idle window starts
            cpu0, bytes0, t0 = c.cpu_seconds(), c.bytes_written(), c.cpu_by_thread_name()
            time.sleep(seconds)
            cpu.append(c.cpu_seconds() - cpu0)
            kb.append((c.bytes_written() - bytes0) / 1024 * 60 / seconds)
            rss.append(c.peak_rss_mb())
            for name, s in c.cpu_by_thread_name().items():
                threads.setdefault(name, []).append(s - t0.get(name, 0))
            if keep_dir:
                c.keep(bytes0, keep_dir, f"{label.replace(' ', '-')}-run{run}")
        print(f"idle {label} run={run}: {cpu[-1]:.2f} CPU s in {seconds:.0f} s, "
              f"{kb[-1]:.2f} KB/min written, peak RSS {rss[-1]:.1f} MB", flush=True)
    print(f"idle {seconds:.0f} s, {label}, 80x24:")
    summary("CPU seconds", cpu, "s")
    summary("share of one core", [c / seconds * 100 for c in cpu], "%")
    summary("bytes written to the pty", kb, "KB/min")
    summary("peak RSS", rss, "MB")
    if threads_too:
        for name, vals in sorted(threads.items(), key=lambda kv: -statistics.median(kv[1])):
            summary(f"CPU s of threads named {name!r}", vals, "s")


class Started:
    """A Pty entered and waited on until its first frame is complete."""

    def __init__(self, pty, complete):
        self.pty, self.complete = pty, complete

    def __enter__(self):
        c = self.pty.__enter__()
        try:
            c.wait_for(self.complete)
        except BaseException:
            c.__exit__()
            raise
        return c

    def __exit__(self, *exc):
        self.pty.__exit__(*exc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/ripcord")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--startup-sizes", default="10,1000,10000")
    ap.add_argument("--idle-sizes", default="4,10000")
    ap.add_argument("--live-sizes", default="4",
                    help="replicas of the live cockpit's moto seed, comma-separated")
    ap.add_argument("--no-htop", action="store_true")
    ap.add_argument("--keep-streams", metavar="DIR")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable (build it: cargo build --release)")
    sizes = lambda s: [int(x) for x in s.split(",") if x]
    # SIGTERM ends the run through the `with` blocks: no tmux server or moto left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average at start: {os.getloadavg()}", flush=True)

    def demo(fleet):
        return Pty([binary, "demo", "--fleet-size", str(fleet)])

    for fleet in sizes(args.startup_sizes):
        first, rss = [], []
        for run in range(args.runs):
            with demo(fleet) as c:
                first.append(c.wait_for(demo_complete) * 1000)
                time.sleep(1.0)  # a few frames more: the peak is rarely the first frame
                rss.append(c.peak_rss_mb())
            print(f"start-up fleet={fleet} run={run}: first complete frame {first[-1]:.0f} ms, "
                  f"peak RSS {rss[-1]:.1f} MB", flush=True)
        print(f"start-up, fleet {fleet}:")
        summary("exec to first complete frame", first, "ms")
        summary("peak RSS", rss, "MB")

    for fleet in sizes(args.idle_sizes):
        idle(f"demo {fleet}", args.runs, args.idle,
             lambda: Started(demo(fleet), demo_complete), args.keep_streams)

    live_sizes = sizes(args.live_sizes)
    if live_sizes and not (VENV / "moto_server").exists():
        sys.exit(f"no moto in {VENV}: python3 -m venv .venv && "
                 ".venv/bin/pip install -r benches/requirements.txt")
    for replicas in live_sizes:
        # One moto per size, seeded once: the runs read the same estate.
        with MotoServer() as moto:
            subprocess.run([str(VENV / "python"), str(ROOT / "benches" / "seed_live.py"),
                            "--endpoint", moto.url, "--regions", ",".join(LIVE_REGIONS),
                            "--replicas", str(replicas)], check=True)
            aws = {
                "AWS_CONFIG_FILE": "/nonexistent/aws-config",
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_ENDPOINT_URL": moto.url,
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_REGION": LIVE_REGIONS[0],
            }
            live = [binary, "--regions", ",".join(LIVE_REGIONS)]
            idle(f"live {replicas}", args.runs, args.idle,
                 lambda: Started(Pty(live, aws), live_complete(replicas)), args.keep_streams)

    if args.no_htop:
        pass
    elif shutil.which("htop") is None:
        print("htop: not installed, skipped (apt-get install -y htop)")
    else:
        idle("htop", args.runs, args.idle,
             lambda: Started(Pty([shutil.which("htop")]), htop_complete), args.keep_streams,
             threads_too=False)


if __name__ == "__main__":
    main()
