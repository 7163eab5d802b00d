#!/bin/bash
# bench/forward.sh: uds-gateway's forward service against socat and
# systemd-socket-proxyd on the same upstream, in one run; and the
# splice/copy crossover. Run by `make bench-forward` (as root).
# Knobs: REPS=3 DUR=3 WARM=1 SRV_CPU=0 LG_CPU=1 RT=10 IDLE_N=10000
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
OUT=$ROOT/bench/results
PROXYD=${PROXYD:-/lib/systemd/systemd-socket-proxyd}
RT=${RT:-10}
RUN=()
if [ "$RT" != 0 ] && chrt -r "$RT" true 2>/dev/null; then RUN=(chrt -r "$RT"); fi
for f in "$GW" "$LG" "$PROXYD" "$(command -v socat)" "$(command -v systemd-socket-activate)"; do
	[ -x "$f" ] || { echo "bench: missing $f" >&2; exit 1; }
done
# Workers raise theirs to the policy's nofile, up to this hard limit.
NOFILE=$(ulimit -Hn); [ "$NOFILE" = unlimited ] && NOFILE=30000
[ "$NOFILE" -gt 30000 ] && NOFILE=30000
ulimit -Sn "$NOFILE" || exit 1
# Two descriptors per forwarded connection in one worker.
[ $((IDLE_N * 2 + 100)) -gt "$NOFILE" ] && IDLE_N=$(((NOFILE - 100) / 2))

D=$(mktemp -d /tmp/uds-fwdbench.XXXXXX)
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

# The upstream: uds-gateway's own echo service (C, epoll), one worker on
# the server CPU, the same for every forwarder.
start_gw() {	# start_gw NAME BIN POLICY-BODY
	mkdir -p "$D/$1"
	printf '%s\n' "workers 1" "nofile $NOFILE" "$3" > "$D/$1/p.policy"
	"${RUN[@]}" taskset -c "$SRV_CPU" "$2" -f "$D/$1/p.policy" 2> "$D/$1/log" &
	PIDS+=("$!")
	for ((i = 0; i < 200; i++)); do grep -qs 'ready:' "$D/$1/log" && return 0; sleep 0.05; done
	cat "$D/$1/log" >&2; return 1
}
start_gw up "$GW" "listener e {
	path $D/echo.sock
	service echo
	mode 0666
	allow_world_writable yes
	allow any
	max_connections 25000
	max_connections_per_uid 25000
}" || exit 1
fwd_policy() {	# fwd_policy SOCK
	printf '%s\n' "upstream up {" "	unix $D/echo.sock" "}" \
	    "listener f {" "	path $1" "	service forward" "	upstream up" \
	    "	allow any" "	max_connections 25000" \
	    "	max_connections_per_uid 25000" "	idle_timeout 10m" "}"
}
start_gw gw "$GW" "$(fwd_policy "$D/gw.sock")" || exit 1
"${RUN[@]}" taskset -c "$SRV_CPU" socat "UNIX-LISTEN:$D/socat.sock,fork,backlog=1024" "UNIX-CONNECT:$D/echo.sock" &
PIDS+=("$!")
"${RUN[@]}" taskset -c "$SRV_CPU" systemd-socket-activate -l "$D/proxyd.sock" \
    "$PROXYD" --connections-max=20000 "$D/echo.sock" 2>"$D/proxyd.log" &
PIDS+=("$!")
wait_sock "$D/socat.sock" && wait_sock "$D/proxyd.sock" || exit 1
declare -A SOCK=([gw]=$D/gw.sock [socat]=$D/socat.sock [proxyd]=$D/proxyd.sock [direct]=$D/echo.sock)

RAW=$D/raw.tsv
: > "$RAW"
run() {	# run SERVER WORKLOAD REP LOADGEN-ARGS...
	local s=$1 w=$2 r=$3 out
	shift 3
	out=$("${RUN[@]}" taskset -c "$LG_CPU" "$LG" "$@" -w "$WARM" -d "$DUR" "${SOCK[$s]}" 2>&1)
	echo "$out" >> "$D/loadgen.log"
	echo "$out" | awk -v s="$s" -v w="$w" -v r="$r" '/^RESULT/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		v = f["mode"] == "echo" ? f["mps"] : f["mode"] == "connect" ? f["cps"] : f["gbps"]
		p = f["mode"] == "stream" ? f["stalls"] : f["p99_us"]
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, w, r, v, p, f["errors"] + f["verify_fail"], f["p50_us"]; ok = 1 }
		END { if (!ok) printf "%s\t%s\t%s\tNA\tNA\tNA\tNA\n", s, w, r }' >> "$RAW"
	tail -1 "$RAW" | awk -F'\t' '{printf "  %-7s %-10s rep %s: %s (p99 us / stalls %s, errors %s)\n", $1, $2, $3, $4, $5, $6}' >&2
}
log "${RUN[*]:-no RT}: proxies and upstream on CPU $SRV_CPU, loadgen on CPU $LG_CPU; $REPS x ${DUR}s"
for ((r = 1; r <= REPS; r++)); do
	for s in direct gw proxyd socat; do
		run $s e64x64 $r echo -c 64 -s 64
		run $s stream64k $r stream -c 1 -s 65536
		# connection set-up: connect, 64 B echoed, close
		run $s conn1 $r connect -c 1 -s 64
		run $s conn16 $r connect -c 16 -s 64
	done
done

# User-space memory of the forwarding worker per idle forwarded connection.
wpid=$(pgrep -P "$(pgrep -f -- "-f $D/gw/p.policy" | head -1)" -f -- --worker | head -1)
rss0=$(awk '/^Rss:/ {print $2}' /proc/$wpid/smaps_rollup)
pss0=$(awk '/^Pss:/ {print $2}' /proc/$wpid/smaps_rollup)
taskset -c "$LG_CPU" "$LG" idle -c "$IDLE_N" -d 30 "${SOCK[gw]}" > "$D/idle.out" 2>&1 &
lg=$!
for ((i = 0; i < 400; i++)); do
	[ "$(ls /proc/$wpid/fd | wc -l)" -ge $((IDLE_N * 2)) ] && break
	sleep 0.05
done
sleep 1
rss1=$(awk '/^Rss:/ {print $2}' /proc/$wpid/smaps_rollup)
pss1=$(awk '/^Pss:/ {print $2}' /proc/$wpid/smaps_rollup)
nfd=$(ls /proc/$wpid/fd | wc -l)
kill $lg 2>/dev/null; wait $lg 2>/dev/null
IDLE_LINE=$(awk -v a=$rss0 -v b=$rss1 -v c=$pss0 -v d=$pss1 -v n=$IDLE_N -v f=$nfd 'BEGIN {
    printf "%d idle forwarded connections (worker fds %d): RSS %.0f B/conn, Pss %.0f B/conn", n, f, (b-a)*1024/n, (d-c)*1024/n }')
log "$IDLE_LINE"

# Medians and ratios.
med() { awk -F'\t' -v s="$1" -v w="$2" '$1==s && $2==w && $4!="NA" {print $4}' "$RAW" | sort -g | awk '{a[NR]=$1} END {print NR ? a[int((NR+1)/2)] : "NA"}'; }
maxp() { awk -F'\t' -v s="$1" -v w="$2" '$1==s && $2==w {if ($5>m) m=$5} END {print m+0}' "$RAW"; }
# medc SERVER WORKLOAD COLUMN: the median of another column (5 p99, 7 p50)
medc() { awk -F'\t' -v s="$1" -v w="$2" -v c="$3" '$1==s && $2==w && $c!="NA" {print $c}' "$RAW" | sort -g | awk '{a[NR]=$1} END {print NR ? a[int((NR+1)/2)] : "NA"}'; }
{
	echo "## forward: uds-gateway vs systemd-socket-proxyd vs socat ($(date -u +%F), $REPS x ${DUR}s, medians)"
	echo
	echo "| workload | direct (no proxy) | uds-gateway forward | systemd-socket-proxyd | socat fork | gw / proxyd | gw / socat |"
	echo "|---|---|---|---|---|---|---|"
	for w in e64x64 stream64k; do
		d=$(med direct $w); g=$(med gw $w); p=$(med proxyd $w); s=$(med socat $w)
		awk -v w=$w -v d=$d -v g=$g -v p=$p -v s=$s 'BEGIN {
		    u = w == "e64x64" ? " msg/s" : " GB/s"
		    printf "| %s | %s%s | %s%s | %s%s | %s%s | %.2f | %.2f |\n",
		    w == "e64x64" ? "64 B echo, 64 conns" : "64 KiB stream, 1 conn",
		    d, u, g, u, p, u, s, u, g / p, g / s }'
	done
	d=$(med direct conn16); g=$(med gw conn16); p=$(med proxyd conn16); s=$(med socat conn16)
	awk -v d=$d -v g=$g -v p=$p -v s=$s 'BEGIN {
	    printf "| connect + 64 B echo + close, 16 conns | %s/s | %s/s | %s/s | %s/s | %.2f | %.2f |\n",
	    d, g, p, s, g / p, g / s }'
	echo
	echo "Connection set-up latency, one client at a time (connect() to the last echoed byte; medians of p50 and p99, us):"
	echo
	echo "| | direct | uds-gateway forward | systemd-socket-proxyd | socat fork |"
	echo "|---|---|---|---|---|"
	echo "| p50 | $(medc direct conn1 7) | $(medc gw conn1 7) | $(medc proxyd conn1 7) | $(medc socat conn1 7) |"
	echo "| p99 | $(medc direct conn1 5) | $(medc gw conn1 5) | $(medc proxyd conn1 5) | $(medc socat conn1 5) |"
	echo
	echo "Stream stalls (max over reps): gw $(maxp gw stream64k), proxyd $(maxp proxyd stream64k), socat $(maxp socat stream64k)."
	echo "$IDLE_LINE."
} > "$D/forward.md"

# The splice/copy crossover: the same forwarder built to always splice
# (FORWARD_SPLICE_MIN=1) and never (larger than any read), echo of
# messages of each size over 16 connections.
if [ "${CROSSOVER:-1}" = 1 ]; then
	log "crossover: building splice-always and copy-only variants"
	for v in splice:1 copy:1073741824; do
		make -s -j2 B="$B-fwd-${v%%:*}" CFLAGS="-DFORWARD_SPLICE_MIN=${v#*:}" "$B-fwd-${v%%:*}/uds-gateway" >/dev/null || exit 1
		start_gw "${v%%:*}" "$ROOT/$B-fwd-${v%%:*}/uds-gateway" "$(fwd_policy "$D/${v%%:*}.sock")" || exit 1
		SOCK[${v%%:*}]=$D/${v%%:*}.sock
	done
	for ((r = 1; r <= REPS; r++)); do
		for sz in 512 2048 4096 8192 16384 32768 65536; do
			for v in splice copy; do run $v "x$sz" $r echo -c 16 -s $sz; done
		done
	done
	{
		echo
		echo "### splice vs copy (echo, 16 connections, messages/s, medians)"
		echo
		echo "| message | copy (read/write) | splice | splice / copy |"
		echo "|---|---|---|---|"
		for sz in 512 2048 4096 8192 16384 32768 65536; do
			c=$(med copy "x$sz"); s=$(med splice "x$sz")
			awk -v z=$sz -v c=$c -v s=$s 'BEGIN { printf "| %d B | %s | %s | %.2f |\n", z, c, s, s / c }'
		done
	} >> "$D/forward.md"
fi
cp "$RAW" "$OUT/forward-raw.tsv"
cp "$D/forward.md" "$OUT/forward.md"
cat "$D/forward.md"
