#!/usr/bin/env python3
"""Seeds a moto server for benchmark 5 (issue 10): `ripcord status --json` against boto3.

What it creates, with boto3 (benches/requirements.txt), one call at a time:
- in each of 3 regions: SOURCES primaries (PostgreSQL) and REPLICAS read replicas of them, one
  in five of the replicas made from the previous region's primary (named by ARN), as a DR
  account has them; with the defaults 110 instances a region, so DescribeDBInstances takes
  two pages of 100;
- a minute of `ReplicaLag` every minute of the last 15 for every replica (CloudWatch
  PutMetricData), so that a reader that can ask CloudWatch gets real datapoints;
- AWS Backup: two vaults and a daily plan in each region (moto 5.2 serves vaults and plans
  only; jobs, summaries, protected resources and recovery points answer 404);
- Route 53: CHECKS HTTPS health checks (tagged `Name`), their `HealthCheckStatus` and
  `HealthCheckPercentageHealthy` datapoints in us-east-1, and one hosted zone with a
  PRIMARY/SECONDARY failover pair on the first two checks.

Usage: seed_moto.py --endpoint http://127.0.0.1:PORT [--replicas 100] [--sources 10]
       [--checks 50] [--regions us-east-1,us-west-2,eu-west-1]
(--replicas and --sources are per region). Prints one line of what it made.
"""

import argparse
import datetime
import sys
import time

import boto3

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
# PutMetricData takes up to 1,000 datapoints a call; 15 minutes x 60 replicas stays under it.
MINUTES_OF_LAG = 15


def client(service, region, endpoint):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def seed_rds(endpoint, regions, sources, replicas):
    """Primaries and their replicas; returns {region: [replica ids]}."""
    source_arns = {}
    for region in regions:
        rds = client("rds", region, endpoint)
        source_arns[region] = []
        for i in range(sources):
            created = rds.create_db_instance(
                DBInstanceIdentifier=f"src-{region}-{i:02d}",
                Engine="postgres",
                DBInstanceClass="db.t3.micro",
                AllocatedStorage=20,
                MasterUsername="dbadmin",
                MasterUserPassword="not-a-secret-1",
                BackupRetentionPeriod=7,
            )
            source_arns[region].append(created["DBInstance"]["DBInstanceArn"])
    made = {}
    for n, region in enumerate(regions):
        rds = client("rds", region, endpoint)
        previous = regions[n - 1]
        made[region] = []
        for j in range(replicas):
            replica = f"rep-{region}-{j:03d}"
            if j % 5 == 4 and previous != region:
                # Cross-region: the source is named by its ARN.
                source = source_arns[previous][j % sources]
            else:
                source = f"src-{region}-{j % sources:02d}"
            rds.create_db_instance_read_replica(
                DBInstanceIdentifier=replica,
                SourceDBInstanceIdentifier=source,
                DBInstanceClass="db.t3.micro",
            )
            made[region].append(replica)
    return made


def seed_lag(endpoint, replicas_by_region):
    """ReplicaLag datapoints, one a minute for the last MINUTES_OF_LAG minutes."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    per_call = max(1, 1000 // MINUTES_OF_LAG)
    for region, replicas in replicas_by_region.items():
        cloudwatch = client("cloudwatch", region, endpoint)
        for start in range(0, len(replicas), per_call):
            data = []
            for k, replica in enumerate(replicas[start : start + per_call]):
                for minute in range(MINUTES_OF_LAG):
                    data.append(
                        {
                            "MetricName": "ReplicaLag",
                            "Dimensions": [
                                {"Name": "DBInstanceIdentifier", "Value": replica}
                            ],
                            "Timestamp": now - datetime.timedelta(minutes=minute),
                            "Value": float((start + k + minute) % 7),
                            "Unit": "Seconds",
                        }
                    )
            cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=data)


def seed_backup(endpoint, regions):
    for region in regions:
        backup = client("backup", region, endpoint)
        for vault in ("daily", "dr-copies"):
            backup.create_backup_vault(BackupVaultName=vault)
        backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "daily-rds",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "daily",
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                    }
                ],
            }
        )


def seed_route53(endpoint, checks):
    route53 = client("route53", "us-east-1", endpoint)
    ids = []
    for i in range(checks):
        region = REGIONS[i % len(REGIONS)]
        fqdn = f"api-{i:02d}.{region}.example.com"
        check = route53.create_health_check(
            CallerReference=fqdn,
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": fqdn,
                "Port": 443,
                "ResourcePath": "/health",
            },
        )["HealthCheck"]["Id"]
        route53.change_tags_for_resource(
            ResourceType="healthcheck",
            ResourceId=check,
            AddTags=[{"Key": "Name", "Value": fqdn}],
        )
        ids.append(check)
    # Route 53 publishes its health-check metrics in us-east-1 only.
    cloudwatch = client("cloudwatch", "us-east-1", endpoint)
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    for check in ids:
        dims = [{"Name": "HealthCheckId", "Value": check}]
        cloudwatch.put_metric_data(
            Namespace="AWS/Route53",
            MetricData=[
                {"MetricName": "HealthCheckStatus", "Dimensions": dims,
                 "Timestamp": now, "Value": 1.0},
                {"MetricName": "HealthCheckPercentageHealthy", "Dimensions": dims,
                 "Timestamp": now, "Value": 100.0, "Unit": "Percent"},
            ],
        )
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="bench-zone")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    if len(ids) >= 2:
        changes = []
        for role, check, value in (("PRIMARY", ids[0], "192.0.2.10"),
                                   ("SECONDARY", ids[1], "192.0.2.20")):
            changes.append({
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "api.example.com", "Type": "A", "TTL": 60,
                    "SetIdentifier": role.lower(), "Failover": role,
                    "HealthCheckId": check,
                    "ResourceRecords": [{"Value": value}],
                },
            })
        route53.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
        )
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--regions", default=",".join(REGIONS))
    parser.add_argument("--sources", type=int, default=10, help="primaries per region")
    parser.add_argument("--replicas", type=int, default=100, help="replicas per region")
    parser.add_argument("--checks", type=int, default=50, help="Route 53 health checks")
    args = parser.parse_args()
    regions = args.regions.split(",")
    started = time.monotonic()
    replicas = seed_rds(args.endpoint, regions, args.sources, args.replicas)
    seed_lag(args.endpoint, replicas)
    seed_backup(args.endpoint, regions)
    checks = seed_route53(args.endpoint, args.checks)
    total = sum(len(r) for r in replicas.values())
    print(
        f"seeded {args.endpoint}: {len(regions)} regions, "
        f"{args.sources * len(regions)} primaries, {total} replicas, "
        f"2 vaults and a plan per region, {len(checks)} health checks "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
