#!/bin/sh
# Run once by the postgres image on a new data directory (/docker-entrypoint-initdb.d): lets the
# replica of deploy/compose.yaml stream from this server over the Compose network. The image's own
# pg_hba.conf allows replication from loopback only.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
