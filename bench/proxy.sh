#!/bin/bash
# bench/proxy.sh: uds-gateway's `service proxy` against nginx `proxy_pass`
# (upstream keepalive) and HAProxy, all in front of the same upstream
# (nginx `return 200 "ok"` on a Unix socket), one worker / thread each;
# and a 12-route policy against a single catch-all route.
# Run by `make bench-proxy` (as root). Not part of `make check`.
# Knobs (environment): REPS=3 DUR=5 WARM=1 SRV_CPU=0 LG_CPU=1 UP_CPU=SRV_CPU RT=10
#   KA=32 (idle upstream connections kept by every front)
#   FRONTS="direct nginx haproxy gw gw12"  CONNS="16 256"  URL=/bench
#   GW=path/to/uds-gateway  PERF=1 (system calls per request; perf record -g
#   of the gw workers; PERF_CONNS=16)  TAG=name (results in proxy-DATE-name.txt)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=${B:-build}
GW=${GW:-$ROOT/$B/uds-gateway}
LG=$ROOT/$B/loadgen
REPS=${REPS:-3}
DUR=${DUR:-5}
WARM=${WARM:-1}
SRV_CPU=${SRV_CPU:-0}
LG_CPU=${LG_CPU:-1}
UP_CPU=${UP_CPU:-$SRV_CPU}	# the upstream nginx
KA=${KA:-32}
URL=${URL:-/bench}
CONNS=${CONNS:-16 256}
FRONTS=${FRONTS:-direct nginx haproxy gw gw12}
PERF=${PERF:-0}
PERF_CONNS=${PERF_CONNS:-16}	# connections of the PERF=1 runs
OUT=${OUT:-$ROOT/bench/results}
NGINX=${NGINX:-/usr/sbin/nginx}
HAPROXY=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
RT=${RT:-10}
RUN=()
if [ "$RT" != 0 ] && chrt -r "$RT" true 2>/dev/null; then RUN=(chrt -r "$RT"); fi
has() { case " $FRONTS " in *" $1 "*) return 0 ;; esac; return 1; }

for f in "$LG" "$NGINX"; do
	[ -x "$f" ] || { echo "bench: missing $f (make loadgen; apt-get install nginx-light)" >&2; exit 1; }
done
if has haproxy && ! [ -x "$HAPROXY" ]; then
	echo "bench: missing haproxy (apt-get install -y haproxy; its service is not needed)" >&2; exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
	echo "bench: needs 2 CPUs (servers on one, load generator on the other)" >&2; exit 1
fi
NOFILE=$(ulimit -Hn); [ "$NOFILE" = unlimited ] && NOFILE=20000
[ "$NOFILE" -gt 20000 ] && NOFILE=20000
ulimit -Sn "$NOFILE" || exit 1

D=$(mktemp -d /tmp/uds-proxybench.XXXXXX)
chmod 755 "$D"
mkdir -p "$OUT"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }
wait_sock() { local i; for ((i = 0; i < 200; i++)); do [ -S "$1" ] && return 0; sleep 0.05; done; echo "bench: no $1" >&2; return 1; }

# tree PID: PID and all its descendants (from /proc, no procps needed).
tree() {
	local p=$1 s c
	echo "$p"
	for s in /proc/[0-9]*/stat; do
		c=${s#/proc/}; c=${c%/stat}
		[ "$(awk '{sub(/^.*\) /, ""); print $2}' "$s" 2>/dev/null)" = "$p" ] && tree "$c"
	done
}
# cpu_ns PID...: CPU time of every thread, in ns (schedstat: finer than ticks).
cpu_ns() {
	local p t=0 v
	for p in "$@"; do
		v=$(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}')
		t=$((t + ${v:-0}))
	done
	echo $t
}

declare -A SOCK TREE
# ---- the upstream: nginx, return 200 "ok", one worker, never recycling a
# keep-alive connection; umask 0 so that the fronts' unprivileged workers
# (nginx's "nobody", the gateway's connector user) may connect.
nginx_conf() {	# nginx_conf DIR SERVER-BLOCK-BODY [HTTP-EXTRA]
	mkdir -p "$1/tmp"
	cat > "$1/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 10000; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	${3:-}
	server {
		$2
	}
}
EOF
}
start_nginx() {	# start_nginx NAME SOCK CPU
	(umask 0; exec "${RUN[@]}" taskset -c "$3" "$NGINX" -p "$D/$1" -e "$D/$1/error.log" \
	    -c "$D/$1/nginx.conf" 2>> "$D/$1/error.log") &
	PIDS+=("$!")
	TREE[$1]=$!
	wait_sock "$2" || { cat "$D/$1/error.log" >&2; exit 1; }
	SOCK[$1]=$2
}
nginx_conf "$D/up" "listen unix:$D/up.sock;
		default_type text/plain;
		location / { return 200 \"ok\"; }"
start_nginx up "$D/up.sock" "$UP_CPU"
SOCK[direct]=$D/up.sock
TREE[direct]=${TREE[up]}

# ---- nginx proxy_pass, upstream keepalive
if has nginx; then
	nginx_conf "$D/nginx" "listen unix:$D/nginx.sock;
		location / {
			proxy_pass http://up;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
		}" "upstream up {
		server unix:$D/up.sock;
		keepalive $KA;
		keepalive_requests 100000000;
		keepalive_timeout 120s;
	}"
	start_nginx nginx "$D/nginx.sock" "$SRV_CPU"
fi

# ---- HAProxy: mode http, one thread, idle server connections reused by
# any client connection (http-reuse always), at most KA of them kept idle.
if has haproxy; then
	mkdir -p "$D/haproxy"
	cat > "$D/haproxy/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 9000
	pidfile $D/haproxy/haproxy.pid
defaults
	mode http
	timeout connect 5s
	timeout client 120s
	timeout server 120s
	timeout http-keep-alive 120s
	http-reuse always
frontend f
	bind unix@$D/haproxy.sock mode 666
	default_backend b
backend b
	server s1 unix@$D/up.sock pool-max-conn $KA
EOF
	"${RUN[@]}" taskset -c "$SRV_CPU" "$HAPROXY" -db -f "$D/haproxy/haproxy.cfg" 2> "$D/haproxy/log" &
	PIDS+=("$!")
	TREE[haproxy]=$!
	wait_sock "$D/haproxy.sock" || { cat "$D/haproxy/log" >&2; exit 1; }
	SOCK[haproxy]=$D/haproxy.sock
fi

# ---- uds-gateway: one worker; listener gw with the single catch-all
# route, gw12 with the issue's Docker route list and the benchmark path
# at the 12th route, before the catch-all deny (11 routes tried and
# missed per request). Same upstream block, KA idle connections.
GW_OK=0
if has gw || has gw12; then
	mkdir -p "$D/gw"
	RG=${ROUTE_GROUP:-daemon}	# any existing names; the loadgen (root) is in neither
	RU=${ROUTE_USER:-daemon}
	common="	service	proxy
	upstream	up
	allow	any
	api_version_prefix	yes
	max_connections		20000
	max_connections_per_uid	20000"
	cat > "$D/gw/p.policy" <<EOF
workers	1
nofile	$NOFILE
upstream up {
	unix	$D/up.sock
	keepalive	$KA
}
listener gw {
	path	$D/gw.sock
$common
	route	*	/**	allow any
}
listener gw12 {
	path	$D/gw12.sock
$common
	route	GET,HEAD	/_ping			allow any
	route	GET		/version		allow any
	route	GET		/containers/json	allow group $RG
	route	GET		/containers/*/json	allow group $RG
	route	GET		/containers/*/logs	allow group $RG
	route	GET		/events			allow group $RG
	route	POST		/containers/create	allow user $RU
	route	POST		/containers/*/start	allow user $RU
	route	POST		/containers/*/exec	allow user $RU
	route	POST		/exec/*/start		allow user $RU
	route	POST		/containers/*/attach	allow user $RU
	route	GET		$URL			allow any
	route	*		/**			deny any
}
EOF
	if [ -x "$GW" ] && "$GW" -t -f "$D/gw/p.policy" > "$D/gw/check" 2>&1; then
		"${RUN[@]}" taskset -c "$SRV_CPU" "$GW" -f "$D/gw/p.policy" 2> "$D/gw/log" &
		PIDS+=("$!")
		TREE[gw]=$!
		TREE[gw12]=$!
		for ((i = 0; i < 200; i++)); do grep -qs 'ready:' "$D/gw/log" && break; sleep 0.05; done
		grep -qs 'ready:' "$D/gw/log" || { cat "$D/gw/log" >&2; exit 1; }
		SOCK[gw]=$D/gw.sock
		SOCK[gw12]=$D/gw12.sock
		GW_OK=1
	else
		log "uds-gateway ($GW) does not accept the proxy policy; measuring without it:"
		sed 's/^/    /' "$D/gw/check" >&2
		FRONTS=$(echo " $FRONTS " | sed 's/ gw12 / /; s/ gw / /')
	fi
fi
# Each front's processes, for CPU: the whole tree (gw: parent, worker(s)
# and connector; nginx: master and worker; HAProxy: one process).
declare -A TPIDS
for s in $FRONTS up; do TPIDS[$s]=$(tree "${TREE[$s]}" | tr '\n' ' '); done
TPIDS[direct]=""	# the upstream is counted apart

# Every front answers 200 "ok" to the benchmark request before we start.
for s in $FRONTS; do
	out=$(taskset -c "$LG_CPU" "$LG" http -c 1 -u "$URL" -w 0 -d 0.3 "${SOCK[$s]}" 2>&1 | tail -1)
	case "$out" in
	*" errors=0 non2xx=0 "*) ;;
	*) echo "bench: $s does not answer $URL with 2xx: $out" >&2
	   for f in "$D"/*/log "$D"/*/error.log; do [ -s "$f" ] && { echo "== $f"; tail -20 "$f"; } >&2; done
	   exit 1 ;;
	esac
done

RAW=$D/raw.tsv	# front conns rep rps p50 p99 front_us/req upstream_us/req errors non2xx reconnects lg_cpu
: > "$RAW"
run() {	# run FRONT CONNS REP
	local s=$1 c=$2 r=$3 lg f0 f1 u0 u1 out
	"${RUN[@]}" taskset -c "$LG_CPU" "$LG" http -c "$c" -u "$URL" -w "$WARM" -d "$DUR" \
	    "${SOCK[$s]}" > "$D/lg.out" 2>&1 &
	lg=$!
	sleep "$WARM"
	f0=$(cpu_ns ${TPIDS[$s]}); u0=$(cpu_ns ${TPIDS[up]})
	sleep "$DUR"
	f1=$(cpu_ns ${TPIDS[$s]}); u1=$(cpu_ns ${TPIDS[up]})
	wait "$lg"
	out=$(cat "$D/lg.out")
	echo "$out" >> "$D/loadgen.log"
	echo "$out" | awk -v s="$s" -v c="$c" -v r="$r" -v f=$((f1 - f0)) -v u=$((u1 - u0)) '/^RESULT/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = v["requests"] > 0 ? v["requests"] : 1
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s\t%s\n", s, c, r, v["rps"], v["p50_us"],
		    v["p99_us"], f / 1000 / n, u / 1000 / n, v["errors"], v["non2xx"], v["reconnects"], v["cpu"]; ok = 1 }
		END { if (!ok) printf "%s\t%s\t%s\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n", s, c, r }' >> "$RAW"
	tail -1 "$RAW" | awk -F'\t' '{printf "  %-7s c%-4s rep %s: %s req/s, p50 %s us, p99 %s us, CPU us/req front %s upstream %s (errors %s, non-2xx %s, loadgen cpu %s)\n",
	    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12}' >&2
}

log "${RUN[*]:-no RT}: fronts on CPU $SRV_CPU, upstream on CPU $UP_CPU, loadgen on CPU $LG_CPU; $REPS x ${DUR}s (+${WARM}s warm-up); GET $URL; fronts: $FRONTS"
for ((r = 1; r <= REPS; r++)); do
	# gw and gw12 swap places every other run (no order bias between them)
	order=$FRONTS
	((r % 2 == 0)) && has gw && has gw12 && order=$(echo " $FRONTS " | sed 's/ gw / @ /; s/ gw12 / gw /; s/ @ / gw12 /')
	for c in $CONNS; do
		for s in $order; do run "$s" "$c" "$r"; done
	done
done

# The route decision alone (bench/routebench.c: route_normalise and
# route_decide as the proxy calls them, 12 routes against 1), on the
# load generator's CPU: the rates above cannot resolve a few percent.
RB=$ROOT/$B/routebench
ROUTES=""
if has gw12 && [ -x "$RB" ]; then
	ROUTES=$("${RUN[@]}" taskset -c "$LG_CPU" "$RB" "$URL" | grep '^ROUTES')
	log "$ROUTES"
fi

# ---- optional: system calls per request of each front (perf stat on
# the syscall tracepoints over a c16 run, divided by the requests),
# and a call-graph profile of the gateway's worker (perf record -g).
# Not part of the table; files bench/results/proxy-perf-*.txt.
if [ "$PERF" = 1 ] && command -v perf >/dev/null; then
	PT=$D/perf-syscalls.txt
	SCEV=$(for c in read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait epoll_ctl \
	    accept4 connect close socket getsockopt setsockopt shutdown fcntl ioctl clock_gettime splice pipe2; do
		printf 'syscalls:sys_enter_%s,' $c; done | sed 's/,$//')
	for s in $FRONTS; do
		[ "$s" = direct ] && continue
		# perf counts 3 s in the middle of a 5 s window; requests: rps x 3
		"${RUN[@]}" taskset -c "$LG_CPU" "$LG" http -c "$PERF_CONNS" -u "$URL" -w 1 -d 5 "${SOCK[$s]}" > "$D/lg.out" 2>&1 &
		lg=$!
		sleep 2
		perf stat -x, -e "$SCEV" -p "$(echo ${TPIDS[$s]} | tr ' ' ,)" -- sleep 3 > /dev/null 2> "$D/trace-$s.txt"
		wait "$lg"
		n=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' "$D/lg.out"); n=$((${n:-0} * 3))
		awk -F, -v s="$s" -v pc="$PERF_CONNS" -v n="${n:-0}" '$3 ~ /sys_enter_/ && $1 ~ /^[0-9]+$/ {k = $3; sub(/.*sys_enter_/, "", k); c[k] += $1; t += $1}
		    END { if (n == 0) exit; printf "%s (c%s): %.2f system calls per request:", s, pc, t / n
			for (k in c) if (c[k] / n >= 0.01) printf " %s %.2f", k, c[k] / n; printf "\n" }' "$D/trace-$s.txt" >> "$PT"
		tail -1 "$PT" >&2
	done
	[ -s "$PT" ] && cp "$PT" "$OUT/proxy-perf-syscalls.txt"
	for s in gw gw12; do
		has $s && [ "$GW_OK" = 1 ] || continue
		# the listener's worker: its command line is "uds-gw:LISTENER --worker N"
		wp=$(for p in ${TPIDS[$s]}; do tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q -- "^uds-gw:$s --worker" && echo $p; done | head -1)
		[ -n "$wp" ] || wp=$(echo ${TPIDS[$s]} | awk '{print $2}')
		log "perf record: $s worker $wp, c$PERF_CONNS, ${DUR}s"
		"${RUN[@]}" taskset -c "$LG_CPU" "$LG" http -c "$PERF_CONNS" -u "$URL" -w 1 -d "$((DUR + 1))" "${SOCK[$s]}" > /dev/null 2>&1 &
		lg=$!
		sleep 1
		perf record -q -g -p "$wp" -o "$D/perf-$s.data" -- sleep "$DUR" 2>/dev/null
		wait "$lg"
		{
			echo "# perf record -g -p WORKER (uds-gateway $s, c$PERF_CONNS, ${DUR}s); self time by symbol, then by DSO"
			perf report -i "$D/perf-$s.data" --no-children --stdio --percent-limit 0.5 -g none 2>/dev/null | grep -E '^ +[0-9.]+%'
			echo
			perf report -i "$D/perf-$s.data" --no-children --stdio --sort dso -g none 2>/dev/null | grep -E '^ +[0-9.]+%'
			echo
			echo "# with children (inclusive), top 40"
			perf report -i "$D/perf-$s.data" --children --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40
		} > "$OUT/proxy-perf-$s.txt"
		log "perf: $OUT/proxy-perf-$s.txt"
	done
fi

# ---- medians and the report
medc() {	# medc FRONT CONNS COLUMN
	awk -F'\t' -v s="$1" -v c="$2" -v k="$3" '$1==s && $2==c && $k!="NA" {print $k}' "$RAW" |
	    sort -g | awk '{a[NR]=$1} END {print NR ? a[int((NR+1)/2)] : "NA"}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b + 0 == 0) print "NA"; else printf "%.2f", a / b }'; }
# target NAME VALUE OP GOAL
target() { awk -v n="$1" -v v="$2" -v op="$3" -v g="$4" 'BEGIN {
	ok = v == "NA" ? 0 : op == ">=" ? v + 0 >= g : v + 0 <= g
	printf "| %s | %s | %s %s | %s |\n", n, v, op, g, v == "NA" ? "not measured" : ok ? "met" : "**missed**" }'; }
declare -A NAME=([direct]="direct to the upstream (no proxy)" [nginx]="nginx proxy_pass"
    [haproxy]="HAProxy" [gw]="uds-gateway proxy, 1 route" [gw12]="uds-gateway proxy, 12 routes")
GWV=$( [ "$GW_OK" = 1 ] && git -C "$ROOT" describe --always --dirty 2>/dev/null)
{
	echo "## proxy: uds-gateway vs nginx proxy_pass vs HAProxy ($(date -u '+%F %H:%M') UTC)"
	echo
	echo "$(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r);" \
	    "fronts on CPU $SRV_CPU, the upstream on CPU $UP_CPU, loadgen (1 thread) on CPU $LG_CPU, ${RUN[*]:-no RT priority}."
	echo "$REPS runs x ${DUR}s after ${WARM}s warm-up, interleaved; medians of each column; ratios from the medians of this run."
	echo "Request: \`GET $URL\` keep-alive, one in flight per connection; upstream: nginx \`return 200 \"ok\"\` (1 worker)."
	echo "Fronts (1 worker/thread each, upstream keep-alive $KA idle connections): uds-gateway ${GWV:-not measured}," \
	    "$($NGINX -v 2>&1 | sed 's/^nginx version: //'), $($HAPROXY -v 2>/dev/null | awk 'NR==1 {print "HAProxy " $3}')."
	echo "CPU us/req: CPU time of the front's processes (all threads) and of the upstream during the measured window, per request."
	echo
	echo "| front | conns | req/s | p50 us | p99 us | front CPU us/req | upstream CPU us/req |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for c in $CONNS; do
		for s in $FRONTS; do
			fc=$(medc $s $c 7); [ "$s" = direct ] && fc="–"
			echo "| ${NAME[$s]} | $c | $(medc $s $c 4) | $(medc $s $c 5) | $(medc $s $c 6) | $fc | $(medc $s $c 8) |"
		done
	done
	echo
	if [ "$GW_OK" = 1 ]; then
		echo "| ratio | $(for c in $CONNS; do printf 'c%s | ' $c; done)"
		echo "|---|$(for c in $CONNS; do printf -- '---:|'; done)"
		for pair in "gw/nginx req/s:gw:nginx:4" "gw/HAProxy req/s:gw:haproxy:4" \
		    "gw/nginx p99:gw:nginx:6" "gw/HAProxy p99:gw:haproxy:6" \
		    "gw/nginx front CPU per req:gw:nginx:7" "gw/HAProxy front CPU per req:gw:haproxy:7" \
		    "12 routes / 1 route req/s:gw12:gw:4" "12 routes / 1 route front CPU per req:gw12:gw:7"; do
			IFS=: read -r n a b k <<< "$pair"
			has "$a" && has "$b" || continue
			echo "| $n | $(for c in $CONNS; do printf '%s | ' "$(ratio "$(medc $a $c $k)" "$(medc $b $c $k)")"; done)"
		done
		echo
		echo "| target | measured | goal | status |"
		echo "|---|---:|---:|---|"
		for c in $CONNS; do
			target "c$c gw / nginx req/s" "$(ratio "$(medc gw $c 4)" "$(medc nginx $c 4)")" ">=" 1.3
			target "c$c gw / HAProxy req/s" "$(ratio "$(medc gw $c 4)" "$(medc haproxy $c 4)")" ">=" 1.0
			target "c$c p99 gw / nginx" "$(ratio "$(medc gw $c 6)" "$(medc nginx $c 6)")" "<=" 1.0
			target "c$c p99 gw / HAProxy" "$(ratio "$(medc gw $c 6)" "$(medc haproxy $c 6)")" "<=" 1.0
			if [ -n "$ROUTES" ]; then
				target "c$c 12 routes: added decision time / gw front CPU per req" "$(echo "$ROUTES" |
				    awk -v f="$(medc gw $c 7)" '{for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
				    printf "%.3f", v["diff_ns"] / 1000 / f}')" "<=" 0.03
			fi
			target "c$c 12 routes / 1 route, front CPU per req" "$(ratio "$(medc gw12 $c 7)" "$(medc gw $c 7)")" "<=" 1.03
			target "c$c 12 routes / 1 route, req/s" "$(ratio "$(medc gw12 $c 4)" "$(medc gw $c 4)")" ">=" 0.97
		done
		echo
	fi
	if [ "$GW_OK" = 1 ]; then
		nr=$(grep -cE 'killed by signal|exited with status' "$D/gw/log")
		echo "uds-gateway worker/connector restarts during the run: $nr$( [ "$nr" != 0 ] && echo ' (its CPU figures are then wrong: a restarted process is not counted)')."
		grep -E 'killed by signal|exited with status' "$D/gw/log" | head -3 | sed 's/^/    /'
	fi
	if [ -n "$ROUTES" ]; then
		echo "Route decision per request (bench/routebench, \`route_normalise\` + \`route_decide\` of \`GET $URL\`, median of 7 x 2M):" \
		    "$(echo "$ROUTES" | awk '{for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
		    printf "1 catch-all route %s ns, the 12-route list %s ns: +%s ns per request.", v["n1_ns"], v["n12_ns"], v["diff_ns"]}')"
		echo
	fi
	awk -F'\t' '$9 != "NA" {e += $9; n += $10; rc += $11} $4 == "NA" {na++}
	    END {printf "Errors (all runs): %d connection errors, %d non-2xx, %d reconnects, %d runs without a result.\n", e, n, rc, na}' "$RAW"
	echo
	echo "Raw (front, conns, run, req/s, p50 us, p99 us, front CPU us/req, upstream CPU us/req, errors, non-2xx, reconnects, loadgen CPU):"
	echo
	sed 's/^/    /' "$RAW"
} > "$D/proxy.txt"
F=$OUT/proxy-$(date -u +%F)${TAG:+-$TAG}.txt
cp "$D/proxy.txt" "$F"
cat "$D/proxy.txt"
log "written: $F"
