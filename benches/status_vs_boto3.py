#!/usr/bin/env python3
"""Benchmark 5 of issue 10: `ripcord status --json` against a boto3 script, on one moto server.

Starts moto (`.venv/bin/moto_server`) on a free loopback port, seeds it
(benches/seed_moto.py: 3 regions, 300 read replicas and their 30 sources, backup vaults,
50 Route 53 health checks), then runs `ripcord status --json` and benches/status_boto3.py
(the same reads, one call at a time) once each to warm up and RUNS times each, alternating,
and prints the median and spread of their wall times and the ratio; also `ripcord --version`
(the process's own start and exit), each command's own CPU seconds, and the CPU seconds moto
spent while it ran (moto is one Python process: its answers share one interpreter lock).

Then the floor: the slowest chain of calls that must follow one another (a call that needs
the answer of the one before: the next page's marker, the replica ids), timed with boto3 on
the same server, each call's client made beforehand. ripcord cannot finish before its
slowest such chain does, however parallel it is. Chains (per region unless said):
  rds pages + lag:  DescribeDBInstances page 1 -> page 2 -> GetMetricData for the region's
                    replicas (one query each, as ripcord asks);
  backups:          ListProtectedResources -> ListRecoveryPointsByBackupVault (moto: 404, so
                    the chain ends at the first call); and each other backup listing alone;
  health (global):  ListHealthChecks -> GetMetricData (status and share of every check),
                    ListHealthChecks -> ListTagsForResources (ten checks),
                    ListHostedZones -> ListResourceRecordSets.
Each chain is timed FLOOR_RUNS times; its median is its time, and the floor is the largest.
A chain's wall time includes boto3's own work (building requests, parsing 100-instance XML
pages); its round trips alone (from boto3 sending a request to its
starting to parse the answer) are the server's part, and are printed beside it.
moto 5.2 answers CloudWatch to boto3 but gives the Rust SDK's GetMetricData a 404 at once, so
chains that end in GetMetricData are timed both ways, and two floors are printed: the one
ripcord faces on moto (the 404), and the one it would face were its CloudWatch calls answered.

No moto process is left behind: moto runs in its own process group, stopped on every exit.
Numbers, not a test: nothing here passes or fails on time.

Usage: benches/status_vs_boto3.py [--runs 5] [--bin target/release/ripcord]
       [--replicas 100] [--sources 10] [--checks 50] [--floor-runs 9]
"""

import argparse
import datetime
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
# What a timed chain is part of. moto 5.2 answers CloudWatch to boto3 but gives the Rust
# SDK's GetMetricData (Smithy RPC v2 CBOR) a 404: a chain ending in GetMetricData is timed
# both ways. The floor ripcord faces on moto is the slowest of BOTH and AS_MOTO_ANSWERS; the
# floor were moto to answer its CloudWatch calls, the slowest of BOTH and ANSWERED. IN_TURN:
# timed for information, calls that follow one another in ripcord's code although neither
# needs the other's answer: no part of any floor.
BOTH, ANSWERED, AS_MOTO_ANSWERS, IN_TURN = "both", "answered", "404", "in turn"


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


def cpu_seconds(pid):
    """User and system CPU seconds a process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(command, env, server_pid):
    """Wall seconds of `command`, its own CPU seconds, the server's CPU seconds meanwhile."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = cpu_seconds(server_pid)
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return wall, own, cpu_seconds(server_pid) - server, done


def ripcord_summary(stdout):
    report = json.loads(stdout)
    replicas = report["replicas"]
    return {
        "replicas": len(replicas),
        "with lag": sum(1 for r in replicas if r.get("lag_seconds") is not None),
        "health checks": sum(1 for c in report["health_checks"] if c["kind"] != "alias-target"),
        "fetch errors": len(report["fetch_errors"]),
        "exit": report["exit_code"],
    }


def boto3_summary(stdout):
    s = json.loads(stdout)
    return {
        "replicas": s["replicas"],
        "with lag": s["replicas_with_recent_lag"],
        "health checks": s["health"]["health_checks"],
        "failed calls": len(s["failed_calls"]),
        "calls": s["calls"],
    }


def spread(times):
    return (f"median {statistics.median(times):.3f} s "
            f"[min {min(times):.3f} – max {max(times):.3f}]")


class RoundTrips:
    """Seconds spent between boto3 sending a request and starting to parse its answer (the
    server's time and the loopback, without boto3's own work), summed over a chain."""

    def __init__(self):
        self.total = 0.0
        self.sent = None

    def send(self, **_):
        self.sent = time.monotonic()

    def answered(self, **_):
        self.total += time.monotonic() - self.sent


def measure_floor(endpoint, regions, runs, server_pid):
    """Each dependent chain of calls, timed `runs` times with clients made beforehand: the
    median and range of its wall time, the median of its round trips alone (RoundTrips) and
    of moto's CPU seconds meanwhile."""
    import boto3

    trips = RoundTrips()

    def client(service, region):
        made = boto3.client(service, region_name=region, endpoint_url=endpoint,
                            aws_access_key_id="test", aws_secret_access_key="test")
        made.meta.events.register("before-send", trips.send)
        made.meta.events.register("before-parse", trips.answered)
        return made

    def attempt(fn):
        try:
            fn()
        except Exception:  # a 404 from moto still is a round trip the chain waits for
            pass

    def rds_pages(rds):
        page = rds.describe_db_instances(MaxRecords=100)
        listed = page["DBInstances"]
        while page.get("Marker"):
            page = rds.describe_db_instances(MaxRecords=100, Marker=page["Marker"])
            listed += page["DBInstances"]
        return listed

    def rust_get_metric_data(region):
        """What the Rust SDK's GetMetricData (Smithy RPC v2 CBOR) gets from moto 5.2: a 404
        (boto3 speaks another CloudWatch protocol that moto serves). An empty CBOR map is
        enough to be routed, or not, as ripcord's call is."""
        request = urllib.request.Request(
            endpoint + "/service/GraniteServiceVersion20100801/operation/GetMetricData",
            data=b"\xa0", method="POST",
            headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
                     "Accept": "application/cbor"})
        trips.send()
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as e:
            e.read()
        trips.answered()

    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    hour_ago = now - datetime.timedelta(hours=1)
    chains = []
    for region in regions:
        rds, cw, backup = client("rds", region), client("cloudwatch", region), client("backup", region)

        def rds_chain(rds=rds, cw=cw):
            listed = rds_pages(rds)
            ids = [d["DBInstanceIdentifier"] for d in listed
                   if d.get("ReadReplicaSourceDBInstanceIdentifier")]
            queries = [{
                "Id": f"q{i}",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/RDS", "MetricName": "ReplicaLag",
                               "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": db}]},
                    "Period": 60, "Stat": "Maximum"},
            } for i, db in enumerate(ids)]
            for start in range(0, len(queries), 500):
                cw.get_metric_data(MetricDataQueries=queries[start:start + 500],
                                   StartTime=hour_ago, EndTime=now,
                                   ScanBy="TimestampAscending")

        def rds_chain_404(rds=rds, region=region):
            listed = rds_pages(rds)
            if listed:
                rust_get_metric_data(region)

        chains += [
            (f"{region} DescribeDBInstances pages -> GetMetricData", ANSWERED, rds_chain),
            (f"{region} DescribeDBInstances pages -> GetMetricData (404)", AS_MOTO_ANSWERS,
             rds_chain_404),
            (f"{region} ListProtectedResources (-> by vault)", BOTH,
             lambda b=backup: attempt(b.list_protected_resources)),
            (f"{region} ListBackupJobs", BOTH, lambda b=backup: attempt(b.list_backup_jobs)),
            (f"{region} DescribeDBInstanceAutomatedBackups", BOTH,
             lambda r=rds: r.describe_db_instance_automated_backups()),
        ]
    route53, cw = client("route53", "us-east-1"), client("cloudwatch", "us-east-1")

    def checks():
        return [c["Id"] for c in route53.list_health_checks()["HealthChecks"]]

    def health_status():
        ids = checks()
        queries = [{
            "Id": f"q{2 * i + k}",
            "MetricStat": {"Metric": {"Namespace": "AWS/Route53", "MetricName": metric,
                                      "Dimensions": [{"Name": "HealthCheckId", "Value": c}]},
                           "Period": 60, "Stat": stat},
        } for i, c in enumerate(ids) for k, (metric, stat) in enumerate(
            (("HealthCheckStatus", "Minimum"), ("HealthCheckPercentageHealthy", "Average")))]
        cw.get_metric_data(MetricDataQueries=queries, StartTime=hour_ago, EndTime=now)

    def health_status_404():
        checks()
        rust_get_metric_data("us-east-1")

    def health_names():
        route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=checks()[:10])

    def health_names_in_turn():
        ids = checks()
        for start in range(0, len(ids), 10):
            route53.list_tags_for_resources(ResourceType="healthcheck",
                                            ResourceIds=ids[start:start + 10])

    def zones():
        for z in route53.list_hosted_zones()["HostedZones"]:
            route53.list_resource_record_sets(HostedZoneId=z["Id"])

    chains += [
        ("ListHealthChecks -> GetMetricData", ANSWERED, health_status),
        ("ListHealthChecks -> GetMetricData (404)", AS_MOTO_ANSWERS, health_status_404),
        ("ListHealthChecks -> ListTagsForResources", BOTH, health_names),
        ("ListHostedZones -> ListResourceRecordSets", BOTH, zones),
        # Not a dependency: ripcord asks the name batches one after another (route53.rs).
        ("ListHealthChecks -> ListTagsForResources x5, one after another", IN_TURN,
         health_names_in_turn),
    ]
    measured = []
    for name, kind, chain in chains:
        chain()  # connections made; moto caches no answer, so each run is served afresh
        times, round_trips, server = [], [], []
        for _ in range(runs):
            trips.total = 0.0
            cpu = cpu_seconds(server_pid)
            started = time.monotonic()
            chain()
            times.append(time.monotonic() - started)
            server.append(cpu_seconds(server_pid) - cpu)
            round_trips.append(trips.total)
        measured.append({
            "name": name, "kind": kind, "wall": statistics.median(times),
            "low": min(times), "high": max(times),
            "round trips": statistics.median(round_trips),
            "moto cpu": statistics.median(server),
        })
    return measured


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bin", default=str(ROOT / "target" / "release" / "ripcord"))
    parser.add_argument("--replicas", type=int, default=100, help="per region")
    parser.add_argument("--sources", type=int, default=10, help="per region")
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--floor-runs", type=int, default=9)
    args = parser.parse_args()
    if not Path(args.bin).exists():
        sys.exit(f"no ripcord binary at {args.bin}: build it (cargo build --release) or pass --bin")
    if not (VENV / "moto_server").exists():
        sys.exit(f"no moto in {VENV}: python3 -m venv .venv && "
                 ".venv/bin/pip install -r benches/requirements.txt")
    # A process group of our own: SIGTERM and Ctrl-C end the run through MotoServer.__exit__.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average at start: {os.getloadavg()}")
    with MotoServer() as moto, tempfile.TemporaryDirectory() as home:
        subprocess.run([str(VENV / "python"), str(ROOT / "benches" / "seed_moto.py"),
                        "--endpoint", moto.url, "--regions", ",".join(REGIONS),
                        "--replicas", str(args.replicas), "--sources", str(args.sources),
                        "--checks", str(args.checks)], check=True)
        # Nothing of this user's: no AWS profile files, no ripcord config, state or logs.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
            "AWS_ENDPOINT_URL": moto.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
            "NO_COLOR": "1",
        }
        ripcord = [args.bin, "--regions", ",".join(REGIONS), "status", "--json"]
        boto = [str(VENV / "python"), str(ROOT / "benches" / "status_boto3.py"),
                "--endpoint", moto.url, "--regions", ",".join(REGIONS), "--json"]
        startup = [args.bin, "--version"]
        results = {"ripcord": [], "boto3": [], "ripcord --version": []}
        own_cpu = {name: [] for name in results}
        server_cpu = {name: [] for name in results}
        summaries = {}
        for run in range(args.runs + 1):  # run 0 warms both up and is not counted
            for name, command, summarise in (("ripcord", ripcord, ripcord_summary),
                                             ("boto3", boto, boto3_summary),
                                             ("ripcord --version", startup, None)):
                seconds, own, server, done = timed(command, env, moto.process.pid)
                if summarise:
                    try:
                        summaries[name] = summarise(done.stdout)
                    except (ValueError, KeyError) as e:
                        sys.exit(f"{name} gave no summary ({e}); exit {done.returncode}, "
                                 f"stderr:\n{done.stderr}")
                if run > 0:
                    results[name].append(seconds)
                    own_cpu[name].append(own)
                    server_cpu[name].append(server)
        floor = measure_floor(moto.url, REGIONS, args.floor_runs, moto.process.pid)
    print(f"load average at end: {os.getloadavg()}")
    print(f"\n{args.runs} runs each (after one warm-up), wall time of the whole command:")
    for name, times in results.items():
        print(f"  {name:18} {spread(times)}   runs: {', '.join(f'{t:.3f}' for t in times)}")
    print("  CPU seconds, median [min – max]: the command's own (user+sys, with its children), "
          "and moto's while it ran")
    for name in results:
        print(f"  {name:18} own {spread(own_cpu[name])}; moto {spread(server_cpu[name])}")
    ratio = statistics.median(results["boto3"]) / statistics.median(results["ripcord"])
    ratios = [b / r for b, r in zip(results["boto3"], results["ripcord"])]
    print(f"  boto3 / ripcord: {ratio:.1f}x (medians); per run "
          f"{', '.join(f'{x:.1f}' for x in ratios)}")
    print("\nwhat each read (last run):")
    for name, summary in summaries.items():
        print(f"  {name:8} {summary}")
    print(f"\nfloor: dependent chains of calls, boto3 with warm clients, median of "
          f"{args.floor_runs} [min – max]:")
    print("  wall [min – max] | its round trips alone (boto3's own work left out) | "
          "moto CPU meanwhile")
    for c in sorted(floor, key=lambda c: -c["wall"]):
        print(f"  {c['wall']:.3f} s [{c['low']:.3f} – {c['high']:.3f}] | "
              f"{c['round trips']:.3f} s | {c['moto cpu']:.3f} s  {c['name']}  ({c['kind']})")
    ripcord_median = statistics.median(results["ripcord"])
    floors = {}
    for label, kinds in (("as moto answers ripcord", (BOTH, AS_MOTO_ANSWERS)),
                         ("were ripcord's GetMetricData answered", (BOTH, ANSWERED))):
        for measure in ("wall", "round trips"):
            slowest = max((c for c in floor if c["kind"] in kinds), key=lambda c: c[measure])
            floors[(label, measure)] = slowest[measure]
            print(f"  floor {label}, by boto3's {measure}: {slowest[measure]:.3f} s "
                  f"({slowest['name']}); ripcord / floor: "
                  f"{ripcord_median / slowest[measure]:.2f}x")
    on_moto = floors[("as moto answers ripcord", "round trips")]
    print(f"\ngoal (issue 10): boto3 / ripcord >= 5x: {'met' if ratio >= 5 else 'NOT met'} "
          f"({ratio:.1f}x); ripcord within 1.5x of the floor it faces on moto "
          f"(round trips alone): "
          f"{'met' if ripcord_median <= 1.5 * on_moto else 'NOT met'} "
          f"({ripcord_median / on_moto:.2f}x)")


if __name__ == "__main__":
    main()
