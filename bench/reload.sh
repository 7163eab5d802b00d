#!/bin/bash
# bench/reload.sh: requests lost across reloads, uds-gateway vs nginx.
# Run by `make bench-reload` (which builds $B/uds-gateway and $B/loadgen).
#
# The same test against both, each on a Unix socket in a private
# mktemp -d directory: `loadgen http -c 8` (8 keep-alive connections,
# GET / back to back, one request in flight on each, no retry; a
# "Connection: close" answer is followed by a new connection, which is
# not an error) runs for DUR seconds; SIGHUP goes to the server's master
# at 1 s and again at 2 s (nginx: the same as `nginx -s reload`).
# Reported per run: requests answered, failed (loadgen "errors": a
# connection closed or reset with a request outstanding, a failed
# connect, a malformed answer), stalls (an answer that took >= 0.5 s, or
# a request still unanswered at the end), reconnects, max latency.
# Knobs: REPS=5 DUR=4 WORKERS=2 SRV_CPU=0 LG_CPU=1 RT=10 (as run.sh).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=${B:-build}
GW=${GW:-$ROOT/$B/uds-gateway}
LG=$ROOT/$B/loadgen
REPS=${REPS:-5}
DUR=${DUR:-4}
WORKERS=${WORKERS:-2}
SRV_CPU=${SRV_CPU:-0}
LG_CPU=${LG_CPU:-1}
OUT=${OUT:-$ROOT/bench/results}
NGINX=${NGINX:-/usr/sbin/nginx}
RT=${RT:-10}
RUN=()
if [ "$RT" != 0 ] && chrt -r "$RT" true 2>/dev/null; then RUN=(chrt -r "$RT"); fi

for f in "$GW" "$LG" "$NGINX"; do
	[ -x "$f" ] || { echo "reload: missing $f (run: make bench-reload)" >&2; exit 1; }
done
D=$(mktemp -d /tmp/uds-reload.XXXXXX)
chmod 755 "$D"
mkdir -p "$OUT"
PIDS=()
log() { printf '%s reload: %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_file() {	# wait_file FILE PATTERN: up to 10 s
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qs "$2" "$1" && return 0
		sleep 0.05
	done
	echo "reload: '$2' not in $1" >&2
	cat "$1" >&2
	return 1
}

SRV_PID=
start_gw() {
	mkdir -p "$D/gw"
	cat > "$D/gw/gw.policy" <<EOF
workers	$WORKERS
shutdown_timeout 10s
listener http {
	path	$D/gw/http.sock
	service	http
	allow	any
}
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$GW" -f "$D/gw/gw.policy" 2> "$D/gw/log" &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_file "$D/gw/log" 'ready:'
}

start_nginx() {
	mkdir -p "$D/nginx/tmp"
	chmod 777 "$D/nginx/tmp"
	cat > "$D/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $WORKERS;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log notice;
worker_shutdown_timeout 10s;
events {
	worker_connections 1024;
}
http {
	access_log off;
	default_type application/json;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $D/nginx/tmp/body;
	proxy_temp_path $D/nginx/tmp/proxy;
	fastcgi_temp_path $D/nginx/tmp/fastcgi;
	uwsgi_temp_path $D/nginx/tmp/uwsgi;
	scgi_temp_path $D/nginx/tmp/scgi;
	server {
		listen unix:$D/nginx/http.sock;
		location / {
			return 200 '{"message":"Hello from your HTTP server on a Unix socket!","url":"/"}';
		}
	}
}
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$NGINX" -p "$D/nginx" \
	    -e "$D/nginx/error.log" -c "$D/nginx/nginx.conf" \
	    2>> "$D/nginx/error.log" &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_file "$D/nginx/error.log" 'start worker process'
}

stop_srv() {
	kill -TERM "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
}

RAW=$D/reload.tsv	# server rep requests failed stalls reconnects max_us
: > "$RAW"
one() {	# one SERVER REP
	local srv=$1 rep=$2 sock out lgp
	if [ "$srv" = gw ]; then start_gw; else start_nginx; fi || exit 1
	sock=$D/$srv/http.sock
	"${RUN[@]}" taskset -c "$LG_CPU" "$LG" http -c 8 -w 0 -d "$DUR" \
	    "$sock" > "$D/lg.out" 2>&1 &
	lgp=$!
	sleep 1; kill -HUP "$SRV_PID"
	sleep 1; kill -HUP "$SRV_PID"
	wait "$lgp"
	stop_srv
	cat "$D/lg.out" >> "$D/loadgen.log"
	out=$(grep '^RESULT' "$D/lg.out")
	[ -n "$out" ] || { cat "$D/lg.out" >&2; exit 1; }
	echo "$out" | awk -v s="$srv" -v r="$rep" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, r, f["requests"],
		    f["errors"], f["stalls"], f["reconnects"], f["max_us"]
	}' >> "$RAW"
	tail -1 "$RAW" | awk -F'\t' '{printf "  %-6s rep %s: %s requests, %s failed, %s stalls, %s reconnects, max %s us\n", $1, $2, $3, $4, $5, $6, $7}' >&2
	rm -rf "${D:?}/$srv"
}

log "${RUN[*]:-no RT}: servers ($WORKERS workers) on CPU $SRV_CPU, loadgen on CPU $LG_CPU; $REPS reps x ${DUR}s, SIGHUP at 1 s and 2 s"
for ((r = 1; r <= REPS; r++)); do
	one gw "$r"
	one nginx "$r"
done

cp "$RAW" "$OUT/reload.tsv"
gwv=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
ngv=$("$NGINX" -v 2>&1 | sed 's/.*: //')
{
	echo "# Reload under load: requests lost (bench/reload.sh)"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, kernel $(uname -r)."
	echo "uds-gateway $gwv and $ngv, $WORKERS workers each, server on CPU $SRV_CPU, loadgen on CPU $LG_CPU."
	echo "\`loadgen http -c 8 -w 0 -d $DUR\` (8 keep-alive connections, GET / back to back, no retry);"
	echo "SIGHUP to the master at 1 s and 2 s. failed = connection closed or reset with a request"
	echo "outstanding, failed connect or malformed answer; stall = an answer after >= 0.5 s or none at the end."
	echo
	echo "| server | rep | requests | failed | stalls | reconnects | max latency ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %.1f |\n", $1 == "gw" ? "uds-gateway" : $1, $2, $3, $4, $5, $6, $7 / 1000}' "$RAW"
	echo
	awk -F'\t' '{n[$1]++; f[$1] += $4; s[$1] += $5; if (!($1 in mn) || $4 < mn[$1]) mn[$1] = $4; if ($4 > mx[$1]) mx[$1] = $4}
	    END {for (k in n) printf "%s: failed %d in %d runs (per run %d-%d), stalls %d\n", k == "gw" ? "uds-gateway" : k, f[k], n[k], mn[k], mx[k], s[k]}' "$RAW" | sort
} > "$OUT/reload.md"
cat "$OUT/reload.md" >&2
