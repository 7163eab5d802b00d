# Forward to PostgreSQL (Debian's postgresql package): a private cluster
# (initdb, scram-sha-256) listening only on a socket directory that only
# the postgres group may enter; the connector gets that group. psql
# through the gateway runs queries and a COPY of a few MB both ways; a
# peer outside the allowed group is refused before PostgreSQL sees it.
. "$(dirname "$0")/lib.sh"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || ! id -u postgres >/dev/null 2>&1 ||
    ! command -v psql >/dev/null; then
	notok "postgresql: not installed (scripts/deps.sh test)"
	exit 1
fi
GRP=udsgw-pgclients
getent group "$GRP" >/dev/null || groupadd --system "$GRP" ||
    notok "groupadd $GRP"
GID=$(getent group "$GRP" | cut -d: -f3)

PG=$T/pg
mkdir -p "$PG/data" "$PG/sock" "$T/gw"
chown postgres:postgres "$PG" "$PG/data" "$PG/sock"
chmod 0700 "$PG/data"
chmod 0750 "$PG/sock"	# only the postgres group reaches the socket
chmod 0755 "$T/gw"
printf 'gw-secret\n' >"$PG/pw"
chown postgres "$PG/pw"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres --pwfile="$PG/pw" \
    --auth-local=scram-sha-256 --auth-host=reject -E UTF8 \
    --no-instructions >"$T/initdb.log" 2>&1; then
	ok "postgresql: initdb (scram-sha-256)"
else
	notok "postgresql: initdb (scram-sha-256)"; sed 's/^/#   /' "$T/initdb.log"
fi
# setpriv execs postgres: $! is the postmaster itself.
setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$PG/data" -k "$PG/sock" -c listen_addresses= \
    -c log_connections=on -c logging_collector=off \
    >"$PG/server.log" 2>&1 &
PGPID=$!
STARTED_PIDS="$STARTED_PIDS $PGPID"
check "postgresql: server up on its private socket" wait_for 30 test -S "$PG/sock/.s.PGSQL.5432"

cat >"$T/p.policy" <<EOP
user	uds-gateway
upstream pg {
	unix	$PG/sock/.s.PGSQL.5432
	group	postgres
	connect_timeout 2s
}
listener pg {
	path	$T/gw/.s.PGSQL.5432
	service	forward
	upstream pg
	mode	0666
	allow_world_writable yes
	allow	group $GRP
	max_connections_per_uid 8
	workers	1
}
EOP
start_gw "$T/p.policy" || { notok "postgresql: daemon start"; exit 1; }

# psql as an unprivileged member of the allowed group, through the gateway.
psql_as() {
	groups=$1; shift
	PGPASSWORD=gw-secret HOME=/nonexistent setpriv --reuid=65534 \
	    --regid=65534 $groups psql -X -q -v ON_ERROR_STOP=1 -h "$T/gw" \
	    -U postgres -d postgres "$@"
}
IN="--groups=$GID"
out=$(psql_as "$IN" -At -c 'select 6 * 7' 2>&1)
check "psql through the gateway: scram auth and a query ($out)" [ "$out" = 42 ]
out=$(psql_as "$IN" -At -c "select setting from pg_settings where name = 'unix_socket_directories'" 2>&1)
check "psql reached the private server (socket dir $out)" [ "$out" = "$PG/sock" ]

seq 1 200000 | awk '{ printf "%d,row %d %s\n", $1, $1, "abcdefghijklmnopqrstuvwxyz" }' >"$T/data.csv"
check "COPY in: $(wc -c <"$T/data.csv") bytes" psql_as "$IN" \
    -c 'create table t (id int primary key, v text)' \
    -c "\\copy t from '$T/data.csv' csv"
out=$(psql_as "$IN" -At -c 'select count(*) from t' 2>&1)
check "COPY in: 200000 rows" [ "$out" = 200000 ]
psql_as "$IN" -At -c 'copy (select * from t order by id) to stdout csv' >"$T/back.csv"
check "COPY out: the same bytes back (cmp)" cmp -s "$T/data.csv" "$T/back.csv"
out=$(psql_as "$IN" -At -c 'select sum(id) from t' 2>&1)
check "psql: a query over the whole table ($out)" [ "$out" = 20000100000 ]

# Outside the group: refused by the gateway; PostgreSQL never sees it.
before=$(grep -c 'connection received' "$PG/server.log")
rc=0
psql_as --clear-groups -At -c 'select 1' >/dev/null 2>&1 || rc=$?
check "peer outside the allowed group: psql fails" [ "$rc" -ne 0 ]
check "peer outside the allowed group: denial logged" grep -q "pg: denied pid [0-9]* uid 65534 gid 65534: no rule matched" "$GW_LOG"
sleep 0.5
after=$(grep -c 'connection received' "$PG/server.log")
check "peer outside the allowed group: PostgreSQL saw no connection" [ "$before" -eq "$after" ]
# PostgreSQL sees the connector's user, never the peer's.
check "postgresql: connections came from the gateway's socket path" grep -q "connection received: host=\\[local\\]" "$PG/server.log"

stop_gw TERM
check "postgresql: gateway SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
kill -INT "$PGPID" 2>/dev/null
# Our child: gone or a zombie once it has exited.
check "postgresql: stopped" wait_for 20 sh -c "[ ! -e /proc/$PGPID ] || grep -q '^State:.*Z' /proc/$PGPID/status"
