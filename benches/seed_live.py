#!/usr/bin/env python3
"""Seeds a moto server for the live cockpit's idle benchmark (issue 10, benchmark 3).

What it creates, with boto3 (benches/requirements.txt), one call at a time:
- one PostgreSQL primary in the first region and REPLICAS cross-region read replicas of it in
  the second (the source named by its ARN, as a DR region has them);
- a minute of `ReplicaLag` every minute of the last 15 for every replica (PutMetricData, so a
  reader that can ask CloudWatch finds datapoints; moto 5.2 answers the Rust SDK's
  GetMetricData with a 404, so the cockpit shows its lag as "cannot tell");
- AWS Backup: two vaults and a daily plan in each region (benches/seed_moto.py);
- Route 53: CHECKS HTTPS health checks tagged `Name`, their status metrics, and a hosted zone
  with a PRIMARY/SECONDARY failover pair (benches/seed_moto.py).

Usage: seed_live.py --endpoint http://127.0.0.1:PORT [--replicas 4] [--checks 2]
       [--regions us-east-1,us-west-2]
"""

import argparse
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the benches
from seed_moto import client, seed_backup, seed_lag, seed_route53


def seed_cross_region(endpoint, source_region, replica_region, replicas):
    """One primary in `source_region`, `replicas` read replicas of it in `replica_region`."""
    primary = client("rds", source_region, endpoint).create_db_instance(
        DBInstanceIdentifier="orders-primary",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-secret-1",
        BackupRetentionPeriod=7,
    )["DBInstance"]["DBInstanceArn"]
    rds = client("rds", replica_region, endpoint)
    made = []
    for j in range(replicas):
        replica = f"orders-dr-{j}"
        rds.create_db_instance_read_replica(
            DBInstanceIdentifier=replica,
            SourceDBInstanceIdentifier=primary,
            DBInstanceClass="db.t3.micro",
        )
        made.append(replica)
    return {replica_region: made}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--regions", default="us-east-1,us-west-2",
                        help="the primary's region, then the replicas' region")
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--checks", type=int, default=2)
    args = parser.parse_args()
    regions = args.regions.split(",")
    if len(regions) != 2 or regions[0] == regions[1]:
        sys.exit("--regions: two different regions, the primary's and the replicas'")
    started = time.monotonic()
    replicas = seed_cross_region(args.endpoint, regions[0], regions[1], args.replicas)
    seed_lag(args.endpoint, replicas)
    seed_backup(args.endpoint, regions)
    checks = seed_route53(args.endpoint, args.checks)
    print(
        f"seeded {args.endpoint}: a primary in {regions[0]}, {args.replicas} replicas of it "
        f"in {regions[1]}, 2 vaults and a plan per region, {len(checks)} health checks "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
