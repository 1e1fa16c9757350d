"""moto_server with two documented corrections, for ripcord's end-to-end tests.

1. moto 5.2 accepts PromoteReadReplica but changes nothing that any read shows: the promoted
   instance keeps its ReadReplicaSourceDBInstanceIdentifier and its source keeps listing it in
   ReadReplicaDBInstanceIdentifiers (the two DescribeDBInstances answers are byte for byte the
   same before and after, bar timestamps). Real RDS removes both once the promotion is done,
   and that is the end state ripcord verifies; without this correction no promotion could
   ever be seen to finish on moto. The correction does only what RDS does, and only when
   PromoteReadReplica is called on a read replica: if ripcord never sends it (or sends it for
   the wrong instance or region), nothing changes and the tests fail.

2. moto's hosted zone ids are 22 random capitals and digits; Route 53's start with `Z`, and
   ripcord checks a zone id's shape before it calls anything. moto's ids get Route 53's `Z`,
   so the shipped runbooks run on moto unchanged.

3. moto refuses a CREATE that repeats any earlier CREATE in its change journal while any
   record sorts at or after it, whatever its set identifier: a failover pair can be flipped
   once and never flipped back. Route 53 refuses a CREATE only when a record of the same
   name, type and set identifier exists once the batch's earlier changes are applied; that is
   the check made here instead.

Everything else is moto as installed.

Usage: python moto_server.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""

import sys

import moto.route53.models as route53_models
from moto.rds.models import RDSBackend
from moto.route53.exceptions import ResourceRecordAlreadyExists
from moto.server import main

_promote = RDSBackend.promote_read_replica


def promote_read_replica(self, db_kwargs):
    database = self.databases.get(db_kwargs.get("db_instance_identifier"))
    was_replica = database is not None and database.is_replica
    database = _promote(self, db_kwargs)
    source_id = database.source_db_instance_identifier
    if was_replica and source_id:
        source = self.find_db_from_id(source_id)
        for listed in (database.db_instance_arn, database.db_instance_identifier):
            if listed in source.replicas:
                source.replicas.remove(listed)
        database.source_db_instance_identifier = None
    return database


RDSBackend.promote_read_replica = promote_read_replica

_zone_id = route53_models.create_route53_zone_id


def zone_id_like_route53(*args, **kwargs):
    return "Z" + _zone_id(*args, **kwargs)[1:]


route53_models.create_route53_zone_id = zone_id_like_route53

_change = route53_models.Route53Backend.change_resource_record_sets


def change_resource_record_sets(self, zoneid, change_list):
    zone = self.get_hosted_zone(zoneid)

    def key(name, record_type, set_identifier):
        return (name.strip(".").lower(), record_type, set_identifier)

    present = {key(r.name, r.type, r.set_identifier) for r in zone.rrsets}
    for change in change_list:
        record = change["ResourceRecordSet"]
        k = key(record["Name"], record["Type"], record.get("SetIdentifier"))
        if change["Action"] == "CREATE":
            if k in present:
                raise ResourceRecordAlreadyExists(
                    name=record["Name"].strip(".") + ".", _type=record["Type"]
                )
            present.add(k)
        elif change["Action"] == "DELETE":
            present.discard(k)
    return _change(self, zoneid, change_list)


# moto's own check (the journal lookup) is the only use of this membership test.
route53_models.ChangeList.__contains__ = lambda self, item: False
route53_models.Route53Backend.change_resource_record_sets = change_resource_record_sets

if __name__ == "__main__":
    sys.exit(main())
