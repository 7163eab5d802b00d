# Forward: a peer reaches a real upstream through the connector. The
# connector's sandbox; bytes identical both ways (64 MiB); half-close
# both ways; an upstream that dies, refuses or never accepts; a slow
# reader holds bounded memory; 1000 connections at once; the connector
# killed under load; a token; a TCP upstream; PROXY v2 with the uid.
. "$(dirname "$0")/lib.sh"
H="python3 $TOP/tests/system/fwd_helper.py"
UP=$T/up
mkdir -p "$UP" && chmod 0755 "$UP"

# bg CMD...: start CMD in the background, remember its pid in BG.
bg() { "$@" & BG=$!; STARTED_PIDS="$STARTED_PIDS $BG"; }
# helper MODE PATH ARGS...: a fwd_helper upstream, waited for.
upstream() {
	rm -f "$2.ready"
	bg $H "$@"
	wait_for 10 test -e "$2.ready"
}
conn_pid() { pgrep -P "$GW_PID" -f -- "--connector $1" | head -1; }
worker_pid() { pgrep -P "$GW_PID" -f -- "--worker" | head -1; }

bg socat "UNIX-LISTEN:$UP/echo.sock,fork,mode=0666,backlog=2048" EXEC:cat
ECHO_PID=$BG
wait_for 10 test -S "$UP/echo.sock"
PORT=$((20000 + $$ % 20000))
bg socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:cat
wait_for 10 sh -c "socat -u /dev/null TCP:127.0.0.1:$PORT 2>/dev/null"

cat >"$T/p.policy" <<EOP
user	uds-gateway
upstream echo {
	unix	$UP/echo.sock
	group	nogroup
	connect_timeout 2s
}
upstream tcp {
	tcp	127.0.0.1:$PORT
}
upstream hc {
	unix	$UP/hc.sock
}
upstream gone {
	unix	$UP/nothing-here.sock
}
upstream slow {
	unix	$UP/noaccept.sock
	connect_timeout 300ms
}
upstream proxy {
	unix	$UP/proxy.sock
}
listener f {
	path	$T/f.sock
	service	forward
	upstream echo
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	max_connections 3000
	max_connections_per_uid 3000
}
listener ft {
	path	$T/ft.sock
	service	forward
	upstream tcp
	allow	any
	workers	1
}
listener fh {
	path	$T/fh.sock
	service	forward
	upstream hc
	allow	any
	workers	1
}
listener fg {
	path	$T/fg.sock
	service	forward
	upstream gone
	allow	any
	workers	1
}
listener fs {
	path	$T/fs.sock
	service	forward
	upstream slow
	allow	any
	workers	1
}
listener fp {
	path	$T/fp.sock
	service	forward
	upstream proxy
	proxy_protocol v2
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
}
listener fk {
	path	$T/fk.sock
	service	forward
	upstream echo
	token	sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
	allow	any
	workers	1
}
listener mon {
	path	$T/mon.sock
	service	http
	allow	uid 0
	metrics_all yes
	workers	1
}
listener fd {
	path	$T/fd.sock
	service	forward
	upstream echo
	mode	0666
	allow_world_writable yes
	allow	uid 0
	workers	1
}
EOP
start_gw "$T/p.policy" || { notok "forward: daemon start"; exit 1; }

# --- the connector: its own process, user, groups and sandbox
c0=$(conn_pid 0)
check "connector: one per upstream (6)" [ "$(pgrep -P "$GW_PID" -f -- --connector | wc -l)" -eq 6 ]
uid=$(id -u uds-gateway)
check "connector: runs as the policy's user" [ "$(proc_field "$c0" Uid)" = "$uid" ]
ng=$(getent group nogroup | cut -d: -f3)
check "connector: has its upstream's supplementary group" sh -c "grep '^Groups:' /proc/$c0/status | grep -qw $ng"
check "connector: no capabilities" [ "$(proc_field "$c0" CapEff)" = 0000000000000000 ]
check "connector: no capability bounding set" [ "$(proc_field "$c0" CapBnd)" = 0000000000000000 ]
check "connector: NoNewPrivs" [ "$(proc_field "$c0" NoNewPrivs)" = 1 ]
check "connector: seccomp filter" [ "$(proc_field "$c0" Seccomp)" = 2 ]
check "connector (Unix upstream): its own network namespace" [ "$(readlink /proc/$c0/ns/net)" != "$(readlink /proc/$GW_PID/ns/net)" ]
c1=$(conn_pid 1)
check "connector (TCP upstream): the host's network namespace" [ "$(readlink /proc/$c1/ns/net)" = "$(readlink /proc/$GW_PID/ns/net)" ]
check "connector (TCP upstream): chrooted in the workers' empty jail" [ "$(readlink /proc/$c1/root)" = /run/uds-gateway/empty ]
check "connector: comm names the upstream" [ "$(cat /proc/$c0/comm)" = "uds-gw-c:echo" ]
w=$(worker_pid)
check "forward worker: seccomp filter" [ "$(proc_field "$w" Seccomp)" = 2 ]

# --- bytes both ways
out=$(printf 'hello' | socat -t 5 - "UNIX-CONNECT:$T/f.sock")
check "forward: bytes reach the upstream and come back" [ "$out" = hello ]
head -c 67108864 /dev/urandom >"$T/64m"
check "forward: 64 MiB each way, identical (cmp)" echo_roundtrip "$T/f.sock" "$T/64m"
check "forward over TCP (127.0.0.1): 64 MiB identical" echo_roundtrip "$T/ft.sock" "$T/64m"
head -c 100 /dev/urandom >"$T/100b"
check "forward: 100 bytes identical" echo_roundtrip "$T/f.sock" "$T/100b"

# --- half-close, both ways
out=$(head -c 300000 /dev/zero | socat -t 10 - "UNIX-CONNECT:$T/f.sock" | wc -c)
check "half-close (peer first): the whole answer after the peer's EOF" [ "$out" -eq 300000 ]
upstream up-halfclose "$UP/hc.sock" "$T/hc.count"
check "half-close (upstream first): peer gets EOF, still sends" $H cl-halfclose "$T/fh.sock" 200000
wait_for 10 test -s "$T/hc.count"
check "half-close (upstream first): the upstream read all 200000 bytes" [ "$(cat "$T/hc.count" 2>/dev/null)" = 200000 ]

# --- failures close the peer, logged with its identity
rc=0
out=$(printf 'x' | timeout 20 socat -t 10 - "UNIX-CONNECT:$T/fg.sock" 2>/dev/null) || rc=$?
check "upstream missing: peer closed, no answer, no hang" [ -z "$out" -a "$rc" -ne 124 ]
check "upstream missing: logged with uid and errno" wait_for 5 grep -q "fg: pid [0-9]* uid 0 gid 0: upstream connect failed: No such file or directory" "$GW_LOG"
upstream up-noaccept "$UP/noaccept.sock"
rc=0
out=$(printf 'x' | timeout 20 socat -t 10 - "UNIX-CONNECT:$T/fs.sock" 2>/dev/null) || rc=$?
check "upstream never accepts: peer closed after connect_timeout" [ -z "$out" -a "$rc" -ne 124 ]
check "upstream never accepts: timeout logged" wait_for 5 grep -q "fs: pid [0-9]* uid 0 gid 0: upstream connect failed: Connection timed out" "$GW_LOG"
upstream up-dies "$UP/hc.sock"
rc=0
head -c 10000000 /dev/zero | timeout 30 socat -t 10 - "UNIX-CONNECT:$T/fh.sock" >/dev/null 2>&1 || rc=$?
check "upstream dies mid-stream: the peer's connection ends (no hang)" [ "$rc" -ne 124 ]

# --- a slow reader: the worker's memory stays bounded
upstream up-source "$UP/hc.sock" 67108864
rss0=$(proc_field "$w" VmRSS)
bg $H cl-slow "$T/fh.sock" 3 "$T/slow.started"
SLOW=$BG
wait_for 10 test -e "$T/slow.started"
sleep 1
rss1=$(proc_field "$w" VmRSS)
check "slow reader: worker RSS grew < 4 MiB while stalled ($rss0 -> $rss1 kB)" [ $((rss1 - rss0)) -lt 4096 ]
wait "$SLOW"
check "slow reader: all 64 MiB arrive in the end" true

# --- many at once
check "1000 concurrent forwarded connections" $H cl-many "$T/f.sock" 1000

# --- token: AUTH line first, not forwarded
out=$(printf 'AUTH hello\nafter' | socat -t 5 - "UNIX-CONNECT:$T/fk.sock")
check "token: right AUTH line, then only what follows is forwarded" [ "$out" = after ]
out=$(printf 'AUTH nope\nafter' | socat -t 5 - "UNIX-CONNECT:$T/fk.sock" 2>/dev/null)
check "token: wrong token refused before the upstream" [ -z "$out" ]
check "token: refusal logged" grep -q "fk: denied pid [0-9]* uid 0 gid 0: wrong token" "$GW_LOG"

# --- a denied peer never reaches the upstream
out=$(printf 'x' | setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - "UNIX-CONNECT:$T/fd.sock" 2>/dev/null)
check "denied peer: closed without an answer" [ -z "$out" ]
check "denied peer: logged" grep -q "fd: denied pid [0-9]* uid 65534" "$GW_LOG"

# --- PROXY v2: the upstream learns the peer's uid
upstream up-proxy "$UP/proxy.sock" "$T/proxy.out"
out=$(printf 'data' | setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - "UNIX-CONNECT:$T/fp.sock")
check "proxy v2: the peer's bytes follow the header" [ "$out" = data ]
wait_for 5 test -s "$T/proxy.out"
check "proxy v2: the upstream decoded uid 65534 and the listener's path" grep -q "^uid=65534 pid=[0-9]* dst=$T/fp.sock\$" "$T/proxy.out"

# --- the connector killed under load: it comes back, nothing hangs
bg $H cl-load "$T/f.sock" 4 8
LOAD=$BG
sleep 1
c0=$(conn_pid 0)
kill -KILL "$c0"
check "connector killed: restarted with a new pid" wait_for 10 sh -c "p=\$(pgrep -P $GW_PID -f -- '--connector 0'); [ -n \"\$p\" ] && [ \"\$p\" != $c0 ]"
wait "$LOAD"
check "connector killed under load: no client hung, service resumed" [ $? -eq 0 ]
out=$(printf 'again' | socat -t 5 - "UNIX-CONNECT:$T/f.sock")
check "connector restarted: new connections are forwarded" [ "$out" = again ]
check "connector death logged" grep -q "connector echo pid $c0 killed by signal 9" "$GW_LOG"

# --- a compromised worker: whatever it sends its connector
# connector_probe plays a worker that sends another upstream's index,
# bad records and descriptors to a real connector (started as the
# parent starts it); only its own upstream's connection comes back.
"$TOP/build/connector_probe" "$BIN" "$UP/echo.sock" 3 "$uid" "$(id -g uds-gateway)" >"$T/probe.out" 2>&1
check "compromised worker: another upstream's index refused (EPERM, no fd)" grep -q "^another upstream's index: refused (EPERM)\$" "$T/probe.out"
check "compromised worker: bad magic, descriptors, wrong sizes refused" sh -c "grep -q '^bad magic: refused (EPERM)\$' '$T/probe.out' && grep -q '^descriptor attached: refused (EPERM)\$' '$T/probe.out' && grep -q '^oversized record: no answer\$' '$T/probe.out'"
check "compromised worker: refusals logged by the connector" grep -q "refused a request: another upstream's index" "$T/probe.out"
check "compromised worker: channel closed after 16 bad records" grep -q "channel closed" "$T/probe.out"
check "compromised worker probe: own upstream still served, nothing leaked" grep -q '^PASS$' "$T/probe.out"

# --- metrics: counted per listener (the workers share the counters)
curl -s --unix-socket "$T/mon.sock" http://x/metrics >"$T/metrics"
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
check "metrics: forwarded connections counted" [ "$(m 'uds_gateway_forwarded_connections_total{listener="f"}')" -gt 1000 ]
check "metrics: bytes to the upstream counted (>= 64 MiB)" [ "$(m 'uds_gateway_forwarded_bytes_total{listener="f",direction="to_upstream"}')" -ge 67108864 ]
check "metrics: bytes to the peer counted (>= 64 MiB)" [ "$(m 'uds_gateway_forwarded_bytes_total{listener="f",direction="to_peer"}')" -ge 67108864 ]
check "metrics: upstream connect failures counted" [ "$(m 'uds_gateway_upstream_connect_failures_total{listener="fg"}')" -ge 1 ]
check "metrics: connect time summed" grep -q '^uds_gateway_upstream_connect_seconds_sum{listener="f"} [0-9]*\.[0-9]\{6\}$' "$T/metrics"
check "no worker or connector died of SIGSYS" sh -c "! grep -q SIGSYS '$GW_LOG'"

stop_gw TERM
check "forward: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
kill "$ECHO_PID" 2>/dev/null
