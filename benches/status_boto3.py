#!/usr/bin/env python3
"""What `ripcord status --json` reads, done the way a boto3 script does it: one call at a time.

Benchmark 5 of issue 10 compares `ripcord status --json` with this script on the same moto
server (benches/status_vs_boto3.py runs both). It reads what ripcord's three feeds read, in
the plain style of the project's seed scripts (a client per service, each call made and
awaited before the next, a CloudWatch call per replica):

per region, one region after the other:
- RDS: DescribeDBInstances, every page of 100 (MaxRecords, Marker); DescribeGlobalClusters;
  DescribeDBClusters; DescribeDBInstanceAutomatedBackups. The restore windows
  (LatestRestorableTime) come from the same instance pages (as in ripcord, whose feeds
  share one listing per region);
- lag: GetMetricStatistics per replica, `ReplicaLag` over the last hour at one-minute
  periods, its Maximum (ripcord: the same series, one GetMetricData per 500 replicas);
- AWS Backup: ListBackupJobSummaries (FOURTEEN_DAYS), ListBackupJobs (the last 7 days),
  ListProtectedResources then ListRecoveryPointsByBackupVault per vault it names,
  ListCopyJobs (COMPLETED, last 14 days). moto 5.2 answers these with 404: each failure is
  counted and the script goes on, as ripcord reports them in `fetch_errors`;

global (Route 53, CloudWatch in us-east-1):
- ListHealthChecks (every page); per check ListTagsForResource (its Name), and
  GetMetricStatistics for HealthCheckStatus (Minimum) and HealthCheckPercentageHealthy
  (Average) over the last hour (ripcord: ListTagsForResources ten checks a call, and one
  GetMetricData for all checks);
- ListHostedZones, then ListResourceRecordSets of each zone (every page): the failover
  records.

Prints a summary comparable with ripcord's JSON (benches/status_vs_boto3.py prints both);
`--json` prints it as JSON.

Usage: status_boto3.py --endpoint http://127.0.0.1:PORT [--regions a,b,c] [--json]
"""

import argparse
import datetime
import json
import sys
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
# As ripcord: a lag datapoint older than five publishing intervals is no recent lag.
RECENT = datetime.timedelta(minutes=5)


class Reader:
    """The clients, and a count of the calls made and of those that failed."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.clients = {}
        self.calls = 0
        self.failed = []

    def client(self, service, region):
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        return self.clients[key]

    def call(self, service, region, operation, **kwargs):
        """One call; None (and the failure noted) when AWS answers with an error."""
        self.calls += 1
        try:
            return getattr(self.client(service, region), operation)(**kwargs)
        except ClientError as e:
            error = e.response.get("Error", {})
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            # moto's 404 for a call it lacks is an HTML page: its status says enough.
            said = error.get("Code") if error.get("Code") != str(status) else f"HTTP {status}"
            self.failed.append(f"{region} {service}:{operation}: {said}")
            return None
        except BotoCoreError as e:
            self.failed.append(f"{region} {service}:{operation}: {e}")
            return None


def pages(reader, service, region, operation, items, token_in, token_out, **kwargs):
    """Every item of every page, following the token by hand; None if a page failed."""
    out = []
    token = None
    while True:
        args = dict(kwargs)
        if token:
            args[token_in] = token
        page = reader.call(service, region, operation, **args)
        if page is None:
            return None
        out.extend(page.get(items, []))
        token = page.get(token_out)
        if not token:
            return out


def newest(datapoints, stat):
    points = sorted(datapoints, key=lambda p: p["Timestamp"])
    return (points[-1]["Timestamp"], points[-1][stat]) if points else None


def read_region(reader, region, now):
    hour_ago = now - datetime.timedelta(hours=1)
    instances = pages(reader, "rds", region, "describe_db_instances", "DBInstances",
                      "Marker", "Marker", MaxRecords=100) or []
    pages(reader, "rds", region, "describe_global_clusters", "GlobalClusters",
          "Marker", "Marker")
    pages(reader, "rds", region, "describe_db_clusters", "DBClusters", "Marker", "Marker")
    replicas = [db for db in instances if db.get("ReadReplicaSourceDBInstanceIdentifier")]
    restore_windows = [db for db in instances
                       if not db.get("ReadReplicaSourceDBInstanceIdentifier")
                       and not db.get("DBClusterIdentifier")]
    lags = []
    for db in replicas:
        answer = reader.call(
            "cloudwatch", region, "get_metric_statistics",
            Namespace="AWS/RDS", MetricName="ReplicaLag",
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": db["DBInstanceIdentifier"]}],
            StartTime=hour_ago, EndTime=now, Period=60, Statistics=["Maximum"],
        )
        point = answer and newest(answer["Datapoints"], "Maximum")
        if point and now - point[0] <= RECENT:
            lags.append(point[1])
    pages(reader, "rds", region, "describe_db_instance_automated_backups",
          "DBInstanceAutomatedBackups", "Marker", "Marker")

    two_weeks_ago = now - datetime.timedelta(days=14)
    pages(reader, "backup", region, "list_backup_job_summaries", "BackupJobSummaries",
          "NextToken", "NextToken", AggregationPeriod="FOURTEEN_DAYS", State="ANY",
          ResourceType="ANY", MessageCategory="ANY")
    jobs = pages(reader, "backup", region, "list_backup_jobs", "BackupJobs",
                 "NextToken", "NextToken",
                 ByCreatedAfter=now - datetime.timedelta(days=7), MaxResults=1000)
    protected = pages(reader, "backup", region, "list_protected_resources", "Results",
                      "NextToken", "NextToken")
    points = 0
    for vault in sorted({p["LastBackupVaultArn"].split(":")[-1]
                         for p in protected or [] if p.get("LastBackupVaultArn")}):
        listed = pages(reader, "backup", region, "list_recovery_points_by_backup_vault",
                       "RecoveryPoints", "NextToken", "NextToken", BackupVaultName=vault)
        points += len(listed or [])
    pages(reader, "backup", region, "list_copy_jobs", "CopyJobs", "NextToken", "NextToken",
          ByState="COMPLETED", ByCreatedAfter=two_weeks_ago)
    return {
        "instances": len(instances),
        "replicas": len(replicas),
        "replicas_with_recent_lag": len(lags),
        "worst_lag_seconds": max(lags) if lags else None,
        "restore_windows": len(restore_windows),
        "backup_jobs": None if jobs is None else len(jobs),
        "recovery_points": points,
    }


def read_health(reader, now):
    hour_ago = now - datetime.timedelta(hours=1)
    region = "us-east-1"
    checks = pages(reader, "route53", region, "list_health_checks", "HealthChecks",
                   "Marker", "NextMarker") or []
    healthy = named = 0
    for check in checks:
        tags = reader.call("route53", region, "list_tags_for_resource",
                           ResourceType="healthcheck", ResourceId=check["Id"])
        if tags and any(t["Key"] == "Name" for t in tags["ResourceTagSet"].get("Tags", [])):
            named += 1
        dims = [{"Name": "HealthCheckId", "Value": check["Id"]}]
        status = reader.call("cloudwatch", region, "get_metric_statistics",
                             Namespace="AWS/Route53", MetricName="HealthCheckStatus",
                             Dimensions=dims, StartTime=hour_ago, EndTime=now, Period=60,
                             Statistics=["Minimum"])
        reader.call("cloudwatch", region, "get_metric_statistics",
                    Namespace="AWS/Route53", MetricName="HealthCheckPercentageHealthy",
                    Dimensions=dims, StartTime=hour_ago, EndTime=now, Period=60,
                    Statistics=["Average"])
        point = status and newest(status["Datapoints"], "Minimum")
        if point and point[1] >= 1.0:
            healthy += 1
    failover_records = 0
    zones = pages(reader, "route53", region, "list_hosted_zones", "HostedZones",
                  "Marker", "NextMarker") or []
    for zone in zones:
        start = {}
        while True:
            page = reader.call("route53", region, "list_resource_record_sets",
                               HostedZoneId=zone["Id"], **start)
            if page is None:
                break
            failover_records += sum(1 for r in page["ResourceRecordSets"] if r.get("Failover"))
            if not page.get("IsTruncated"):
                break
            start = {"StartRecordName": page["NextRecordName"],
                     "StartRecordType": page["NextRecordType"]}
            if page.get("NextRecordIdentifier"):
                start["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    return {"health_checks": len(checks), "healthy": healthy, "named": named,
            "failover_records": failover_records}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--regions", default=",".join(REGIONS))
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args()
    started = time.monotonic()
    reader = Reader(args.endpoint)
    now = datetime.datetime.now(datetime.timezone.utc)
    regions = {r: read_region(reader, r, now) for r in args.regions.split(",")}
    health = read_health(reader, now)
    summary = {
        "regions": regions,
        "replicas": sum(r["replicas"] for r in regions.values()),
        "replicas_with_recent_lag": sum(r["replicas_with_recent_lag"] for r in regions.values()),
        "health": health,
        "calls": reader.calls,
        "failed_calls": reader.failed,
        "seconds_in_process": round(time.monotonic() - started, 3),
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        print()
        return
    for region, r in regions.items():
        lag = "-" if r["worst_lag_seconds"] is None else f"{r['worst_lag_seconds']:g}s"
        print(f"{region}: {r['instances']} instances, {r['replicas']} replicas "
              f"({r['replicas_with_recent_lag']} with recent lag, worst {lag}), "
              f"{r['restore_windows']} restore windows")
    print(f"health: {health['health_checks']} checks ({health['healthy']} healthy, "
          f"{health['named']} named), {health['failover_records']} failover records")
    print(f"{reader.calls} calls, {len(reader.failed)} failed, "
          f"{summary['seconds_in_process']}s in process")
    for failure in reader.failed:
        print(f"  failed: {failure}")


if __name__ == "__main__":
    main()
