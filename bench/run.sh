#!/bin/bash
# bench/run.sh: uds-gateway vs nginx vs Node over Unix sockets.
# Run by `make bench` (which builds $B/uds-gateway and $B/loadgen first).
# Knobs (environment): REPS=3 DUR=3 WARM=1 IDLE_N=10000 SRV_CPU=0 LG_CPU=1
#   STAGES="idle http tcp echo wrk" (subset to run)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=${B:-build}
GW=$ROOT/$B/uds-gateway
LG=$ROOT/$B/loadgen
REPS=${REPS:-3}
DUR=${DUR:-3}
WARM=${WARM:-1}
IDLE_N=${IDLE_N:-10000}
SRV_CPU=${SRV_CPU:-0}
LG_CPU=${LG_CPU:-1}
STAGES=${STAGES:-idle http tcp echo wrk}
OUT=$ROOT/bench/results
NGINX=${NGINX:-/usr/sbin/nginx}
NODE=${NODE:-$(command -v node || command -v nodejs)}
TCP_PORT=${TCP_PORT:-18080}
TCP_PORT2=${TCP_PORT2:-18081}
# Real-time priority (SCHED_RR, so that servers sharing a CPU still time-slice) for servers and load generator, so that
# other work on the machine does not preempt them; RT=0 turns it off.
RT=${RT:-10}
RUN=()
if [ "$RT" != 0 ] && chrt -r "$RT" true 2>/dev/null; then RUN=(chrt -r "$RT"); fi

for f in "$GW" "$LG" "$NGINX" "$NODE"; do
	[ -x "$f" ] || { echo "bench: missing $f (run: make bench)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	echo "bench: needs 2 CPUs (server on one, load generator on the other)" >&2
	exit 1
fi
# Soft and hard: the workers (policy nofile 20000) raise theirs up to the hard one.
NOFILE=20000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$NOFILE" ]; then
	ulimit -Hn "$NOFILE" 2>/dev/null || { NOFILE=$hard; echo "bench: hard fd limit is $hard (no CAP_SYS_RESOURCE): policy nofile $NOFILE" >&2; }
fi
ulimit -Sn "$NOFILE" || exit 1
if [ "$NOFILE" -lt $((IDLE_N + 200)) ]; then
	echo "bench: fd limit $NOFILE too low for IDLE_N=$IDLE_N" >&2; exit 1
fi

D=$(mktemp -d /tmp/uds-bench.XXXXXX)
chmod 755 "$D"
mkdir -p "$OUT"
RAW=$D/raw.tsv		# server workload rep value p99_us srv_cpu lg_cpu errors
: > "$RAW"
PIDS=()
log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ----

# children_of PID: the direct children (from /proc; no procps needed).
children_of() {
	local s
	for s in /proc/[0-9]*/status; do
		awk -v p="$1" '$1=="PPid:" && $2==p {f=1} END {exit !f}' "$s" \
		    2>/dev/null && { s=${s#/proc/}; echo "${s%/status}"; }
	done
}
# cpu_ticks PID...: utime+stime (all threads), in clock ticks.
cpu_ticks() {
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo $t
}
HZ=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
wait_for() {	# wait_for FILE [secs]
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "bench: $1 did not appear" >&2
	return 1
}
# smaps PID: "pss_kb private_kb rss_kb"
smaps() {
	awk '/^Pss:/ {p=$2} /^Private_(Clean|Dirty):/ {v+=$2} /^Rss:/ {r=$2}
	    END {print p+0, v+0, r+0}' "/proc/$1/smaps_rollup"
}
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# ---- servers ----
# Each: a directory, a socket, the PIDs doing the work (for CPU and memory).
declare -A SOCK WPID

start_gw() {	# start_gw NAME EXTRA_FLAGS
	local name=$1 dir=$D/$1
	mkdir -p "$dir"
	cat > "$dir/gw.policy" <<EOF
# uds-gateway bench policy: one worker; room for $IDLE_N idle peers.
workers	1
nofile	$NOFILE
listener http {
	path	$dir/http.sock
	service	http
	allow	any
	max_connections		20000
	max_connections_per_uid	20000
}
listener echo {
	path	$dir/echo.sock
	service	echo
	allow	any
	max_connections		20000
	max_connections_per_uid	20000
}
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$GW" -f "$dir/gw.policy" $2 2> "$dir/log" &
	local ppid=$! i
	PIDS+=("$ppid")
	for ((i = 0; i < 200; i++)); do
		grep -q 'ready:' "$dir/log" 2>/dev/null && break
		sleep 0.05
	done
	grep -q 'ready:' "$dir/log" || { cat "$dir/log" >&2; exit 1; }
	SOCK[$name]=$dir/http.sock
	SOCK[$name-echo]=$dir/echo.sock
	WPID[$name]=$(children_of "$ppid" | head -1)
	WPID[$name-echo]=${WPID[$name]}
}

start_nginx() {
	local dir=$D/nginx i
	mkdir -p "$dir/tmp"
	chmod 777 "$dir/tmp"
	cat > "$dir/nginx.conf" <<EOF
# nginx bench config: one worker, \`return 200\` with the same JSON.
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 30000;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
	worker_connections 20000;
}
http {
	access_log off;
	default_type application/json;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	server {
		listen unix:$dir/http.sock;
		listen 127.0.0.1:$TCP_PORT;
		location / {
			return 200 '{"message":"Hello from your HTTP server on a Unix socket!","url":"/"}';
		}
	}
}
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$NGINX" -p "$dir" -e "$dir/error.log" \
	    -c "$dir/nginx.conf" 2>> "$dir/error.log" &
	local ppid=$!
	PIDS+=("$ppid")
	wait_for "$dir/http.sock" || { cat "$dir/error.log" >&2; exit 1; }
	for ((i = 0; i < 100; i++)); do
		WPID[nginx]=$(children_of "$ppid" | head -1)
		[ -n "${WPID[nginx]}" ] && break
		sleep 0.05
	done
	SOCK[nginx]=$dir/http.sock
	SOCK[nginx-tcp]=127.0.0.1:$TCP_PORT
	WPID[nginx-tcp]=${WPID[nginx]}
}

start_node() {
	local dir=$D/node
	mkdir -p "$dir"
	cat > "$dir/http.js" <<'EOF'
const http = require('http');
http.createServer((req, res) => {
  res.writeHead(200, {'Content-Type': 'application/json'});
  res.end(JSON.stringify({message: 'Hello from your HTTP server on a Unix socket!', url: req.url}));
}).listen(process.argv[2]);
EOF
	cat > "$dir/echo.js" <<'EOF'
const net = require('net');
net.createServer(s => { s.on('error', () => {}); s.pipe(s); }).listen(process.argv[2]);
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$NODE" "$dir/http.js" "$dir/http.sock" &
	WPID[node]=$!
	PIDS+=("$!")
	"${RUN[@]}" taskset -c "$SRV_CPU" "$NODE" "$dir/echo.js" "$dir/echo.sock" &
	WPID[node-echo]=$!
	PIDS+=("$!")
	wait_for "$dir/http.sock" && wait_for "$dir/echo.sock" || exit 1
	SOCK[node]=$dir/http.sock
	SOCK[node-echo]=$dir/echo.sock
}

# ---- one measurement ----
# run SERVER WORKLOAD REP LOADGEN-ARGS...: appends a row to $RAW.
run() {
	local srv=$1 wl=$2 rep=$3 out c0 c1 t0 t1
	shift 3
	c0=$(cpu_ticks ${WPID[$srv]})
	t0=$(now_ms)
	out=$("${RUN[@]}" taskset -c "$LG_CPU" "$LG" "$@" -w "$WARM" -d "$DUR" "${SOCK[$srv]}" 2>&1)
	t1=$(now_ms)
	c1=$(cpu_ticks ${WPID[$srv]})
	echo "$out" >> "$D/loadgen.log"
	echo "$out" | awk -v s="$srv" -v w="$wl" -v r="$rep" \
	    -v scpu="$(awk -v a=$c0 -v b=$c1 -v h=$HZ -v ms=$((t1 - t0)) \
	    'BEGIN {printf "%.2f", (b - a) / h / (ms / 1000)}')" '
	    /^RESULT/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		v = f["mode"] == "http" ? f["rps"] : f["mode"] == "echo" ? f["mps"] : f["gbps"]
		p = f["mode"] == "stream" ? f["stalls"] : f["p99_us"]
		e = f["errors"] + f["non2xx"] + f["verify_fail"]
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, w, r, v, p, scpu, f["cpu"], e
		ok = 1
	    }
	    END { if (!ok) printf "%s\t%s\t%s\tNA\tNA\tNA\tNA\tNA\n", s, w, r }' >> "$RAW"
	tail -1 "$RAW" | awk -F'\t' '{printf "  %-12s %-8s rep %s: %s (p99/stalls %s, server cpu %s, loadgen cpu %s, errors %s)\n", $1, $2, $3, $4, $5, $6, $7, $8}' >&2
}

# idle SERVER: server memory per idle connection (fresh server, no load yet).
IDLE=$D/idle.tsv
: > "$IDLE"
idle() {
	local srv=$1 pid=${WPID[$1]} before after fifo=$D/idle.fifo lgpid line i n0
	n0=$(nfds "$pid")
	before=$(smaps "$pid")
	rm -f "$fifo"; mkfifo "$fifo"
	"${RUN[@]}" taskset -c "$LG_CPU" "$LG" idle -c "$IDLE_N" -d 120 "${SOCK[$srv]}" > "$fifo" 2>&1 &
	lgpid=$!
	exec 9< "$fifo"
	read -r line <&9
	# Held by the client; now wait until the server has accepted them all.
	for ((i = 0; i < 400; i++)); do
		[ $(($(nfds "$pid") - n0)) -ge "$IDLE_N" ] && break
		sleep 0.05
	done
	sleep 1
	after=$(smaps "$pid")
	n=$(($(nfds "$pid") - n0))
	kill "$lgpid" 2>/dev/null
	read -r line <&9	# RESULT ... alive=
	exec 9<&-
	wait "$lgpid" 2>/dev/null
	echo "$line" >> "$D/loadgen.log"
	local alive
	alive=$(echo "$line" | sed -n 's/.*alive=\([0-9]*\).*/\1/p')
	echo "$srv $before $after $n ${alive:-0}" | awk -v N="$IDLE_N" '{
	    printf "%s\t%.0f\t%.0f\t%.0f\t%d\t%d\n", $1, ($5-$2)*1024/N,
	    ($6-$3)*1024/N, ($7-$4)*1024/N, $8, $9}' >> "$IDLE"
	tail -1 "$IDLE" | awk -F'\t' '{printf "  %-12s idle: %s B/conn Pss, %s B/conn private, %s B/conn RSS (server fds +%s, alive %s)\n", $1, $2, $3, $4, $5, $6}' >&2
}

# ---- the run ----
log "${RUN[*]:-no RT}: servers on CPU $SRV_CPU, load generator on CPU $LG_CPU; $REPS reps x ${DUR}s (+${WARM}s warm-up); dir $D"
start_gw gw ""
start_gw gw-noseccomp --no-seccomp
start_nginx
start_node
log "started: gw worker ${WPID[gw]}, gw-noseccomp worker ${WPID[gw-noseccomp]}, nginx worker ${WPID[nginx]}, node ${WPID[node]}/${WPID[node-echo]}"

has() { case " $STAGES " in *" $1 "*) return 0 ;; esac; return 1; }

HTTP_SERVERS="gw gw-noseccomp nginx node"
for ((r = 1; r <= REPS; r++)); do
	if has http; then
		log "http, rep $r/$REPS"
		for s in $HTTP_SERVERS; do
			run $s h1 $r http -c 1
			run $s h16 $r http -c 16
			run $s h256 $r http -c 256
			run $s p16x16 $r http -c 16 -p 16
		done
	fi
	if has tcp; then
		log "tcp (nginx only: uds-gateway has no TCP listener), rep $r/$REPS"
		run nginx-tcp h1 $r http -c 1
		run nginx-tcp h16 $r http -c 16
		run nginx-tcp h256 $r http -c 256
	fi
	if has echo; then
		log "echo, rep $r/$REPS"
		for s in gw-echo gw-noseccomp-echo node-echo; do
			run $s e1 $r echo -c 1 -s 64
			run $s e64 $r echo -c 64 -s 64
			run $s stream $r stream -c 1 -s 65536
		done
	fi
done

# wrk agreement: nginx over TCP, both generators on the same CPU.
WRK=$D/wrk.tsv
: > "$WRK"
if has wrk && command -v wrk >/dev/null 2>&1; then
	log "wrk vs loadgen on nginx TCP"
	for ((r = 1; r <= REPS; r++)); do
		for c in 1 16 256; do
			w=$("${RUN[@]}" taskset -c "$LG_CPU" wrk -t1 -c$c -d${DUR}s --latency \
			    "http://127.0.0.1:$TCP_PORT/" 2>&1)
			wr=$(echo "$w" | awk '/^Requests\/sec/ {print $2}')
			wp=$(echo "$w" | awk '$1 == "99%" {v=$2; u=v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
			    m = u == "us" ? 1 : u == "ms" ? 1000 : u == "s" ? 1e6 : 1; print v * m}')
			l=$("${RUN[@]}" taskset -c "$LG_CPU" "$LG" http -c $c -w 0 -d "$DUR" "127.0.0.1:$TCP_PORT" | tail -1)
			lr=$(echo "$l" | sed -n 's/.* rps=\([0-9]*\).*/\1/p')
			lp=$(echo "$l" | sed -n 's/.* p99_us=\([0-9.]*\).*/\1/p')
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' $c $r "$wr" "$lr" "$wp" "$lp" >> "$WRK"
			log "  c=$c rep $r: wrk $wr req/s (p99 ${wp}us), loadgen $lr req/s (p99 ${lp}us)"
		done
	done
fi

# Last: Node keeps a CPU busy for a while after 10,000 connections close.
if has idle; then
	log "idle: $IDLE_N connections held per server"
	for s in gw nginx node; do idle $s; done
fi

cp "$RAW" "$OUT/raw.tsv"
cp "$IDLE" "$OUT/idle.tsv"
cp "$WRK" "$OUT/wrk.tsv"
cp "$D/loadgen.log" "$OUT/loadgen.log" 2>/dev/null
bash "$ROOT/bench/report.sh" "$OUT" "$REPS" "$DUR" "$WARM" "$IDLE_N"
log "done: $OUT/results.md"
