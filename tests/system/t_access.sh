# Access control at accept: real users and groups connect through real
# sockets; the worker's rules (SO_PEERCRED, SO_PEERGROUPS) decide, under
# the real seccomp filter. Per-uid and per-listener caps, echo pre-auth
# timeout, and the denial log lines (pid, uid, gid, file:line).
. "$(dirname "$0")/lib.sh"

# Test users and groups: created here, removed on any exit. The names
# carry our pid, so that concurrent runs of this test do not collide.
S=$$
TU="udsgw-ta1-$S udsgw-ta2-$S udsgw-ta3-$S udsgw-ta4-$S"
TG=udsgw-tag-$S
drop_ids() {
	# Retried: another process may hold the /etc/passwd lock for a moment.
	for try in 1 2 3 4 5; do
		for u in $TU; do
			userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null
		done
		groupdel "$TG" 2>/dev/null
		left=0
		for u in $TU; do getent passwd "$u" >/dev/null && left=1; done
		getent group "$TG" >/dev/null && left=1
		[ $left -eq 0 ] && return 0
		sleep 0.2
	done
	echo "# could not remove test users $TU"
}
trap 'trap "" INT TERM HUP; cleanup; drop_ids' EXIT
trap 'exit 1' INT TERM HUP
drop_ids
groupadd "$TG" || { notok "access: groupadd $TG"; exit 1; }
# ta1: allowed by user; ta2: no rule (default deny); ta3: allowed only by
# a supplementary group; ta4: in the group too, but denied by uid first.
for u in $TU; do
	useradd -M -U -s /usr/sbin/nologin "$u" ||
	    { notok "access: useradd $u"; exit 1; }
done
usermod -a -G "$TG" udsgw-ta3-$S
usermod -a -G "$TG" udsgw-ta4-$S

# $AS1 CMD...: run CMD with that user's uid, primary gid and groups.
# Plain words, not a function: "$AS1 socat ... &" leaves socat's pid in $!.
for n in 1 2 3 4; do
	eval "AS$n='setpriv --reuid=udsgw-ta$n-$S --regid=udsgw-ta$n-$S --init-groups'"
done
# logged PATTERN: the parent writes worker records asynchronously; wait.
logged() { wait_for 3 grep -q "$1" "$GW_LOG"; }
# now_ms: monotonic-enough wall clock in ms.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# open_conns LISTENER: its open connections, from /metrics (shared counters).
open_conns() {
	curl -s --unix-socket "$T/mon.sock" http://x/metrics |
	    awk -v l="uds_gateway_connections_open{listener=\"$1\"}" '$1 == l { print $2 }'
}
# denials LISTENER REASON: its denials_total for REASON.
denials() {
	curl -s --unix-socket "$T/mon.sock" http://x/metrics |
	    awk -v l="uds_gateway_denials_total{listener=\"$1\",reason=\"$2\"}" '$1 == l { print $2 }'
}
# allowed_logged WHAT PATTERN: allowed connections are logged at debug
# level; the check is skipped while the worker gets no debug records.
allowed_logged() {
	if grep -q 'allowed pid' "$GW_LOG"; then
		check "$1" grep -q "$2" "$GW_LOG"
	else
		ok "$1 # SKIP no worker debug records reach the log (-d is not passed to workers)"
	fi
}

cat >"$T/p.policy" <<EOP
workers 2
listener e {
	path	$T/e.sock
	service	echo
	mode	0666
	allow_world_writable yes
	deny	user udsgw-ta4-$S
	allow	user udsgw-ta1-$S
	allow	group $TG
	allow	uid 0
}
listener h {
	path	$T/h.sock
	service	http
	mode	0666
	allow_world_writable yes
	deny	user udsgw-ta4-$S
	allow	user udsgw-ta1-$S
	allow	group $TG
}
listener u {
	path	$T/u.sock
	service	echo
	mode	0666
	allow_world_writable yes
	allow	any
	max_connections_per_uid 1
}
listener uh {
	path	$T/uh.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
	max_connections_per_uid 1
}
listener mon {
	metrics_all	yes	# /metrics shows every listener's counters
	path	$T/mon.sock
	service	http
	allow	uid 0
}
listener m {
	path	$T/m.sock
	service	echo
	allow	uid 0
	max_connections 2
}
EOP
P=$T/p.policy
L_DENY=$(grep -n "deny	user udsgw-ta4-$S" "$P" | head -1 | cut -d: -f1)
L_HDENY=$(grep -n "deny	user udsgw-ta4-$S" "$P" | sed -n 2p | cut -d: -f1)
L_ALLOW1=$(grep -n "allow	user udsgw-ta1-$S" "$P" | head -1 | cut -d: -f1)
L_GROUP=$(grep -n "allow	group $TG" "$P" | head -1 | cut -d: -f1)
L_E=$(grep -n '^listener e ' "$P" | cut -d: -f1)
L_H=$(grep -n '^listener h ' "$P" | cut -d: -f1)
L_U=$(grep -n '^listener u ' "$P" | cut -d: -f1)
L_UH=$(grep -n '^listener uh ' "$P" | cut -d: -f1)

start_gw "$P" -d || { notok "access: daemon start"; exit 1; }
W0=$(workers_of "$GW_PID")
id1=$(id -u udsgw-ta1-$S); id2=$(id -u udsgw-ta2-$S)
id3=$(id -u udsgw-ta3-$S); id4=$(id -u udsgw-ta4-$S)
gid3=$(id -g udsgw-ta3-$S); tag=$(getent group "$TG" | cut -d: -f3)
check "ta3's primary group is not $TG (supplementary only)" [ "$gid3" != "$tag" ]

# --- echo: allowed and denied peers
out=$(printf 'one' | $AS1 socat -t 5 - "UNIX-CONNECT:$T/e.sock")
check "echo: allowed by 'allow user' (uid $id1) echoes" [ "$out" = one ]
allowed_logged "echo: allow logged at debug with its rule file:line" \
    "e: allowed pid [0-9]* uid $id1 gid [0-9]* (rule at $P:$L_ALLOW1)" "$GW_LOG"

out=$(printf 'three' | $AS3 socat -t 5 - "UNIX-CONNECT:$T/e.sock")
check "echo: allowed by supplementary group $TG (uid $id3)" [ "$out" = three ]
allowed_logged "echo: group allow logged with the group rule's line" \
    "e: allowed pid [0-9]* uid $id3 gid $gid3 (rule at $P:$L_GROUP)" "$GW_LOG"

t0=$(now_ms)
printf 'two' | $AS2 socat -t 5 - "UNIX-CONNECT:$T/e.sock" >"$T/o2" 2>/dev/null &
p2=$!
wait $p2
dt=$(($(now_ms) - t0))
check "echo: no rule matched (uid $id2): nothing echoed" [ ! -s "$T/o2" ]
check "echo: denied peer closed at once (${dt} ms < 2000)" [ "$dt" -lt 2000 ]
wait_for 2 grep -q "e: denied pid $p2 uid $id2" "$GW_LOG"
check "echo: default deny logged with pid $p2, uid, gid and the listener's file:line" \
    logged "e: denied pid $p2 uid $id2 gid $(id -g udsgw-ta2-$S): no rule matched (default deny) (listener at $P:$L_E)"
check "echo: the denial is logged exactly once" \
    [ "$(grep -c "denied pid $p2 " "$GW_LOG")" -eq 1 ]

printf 'four' | $AS4 socat -t 5 - "UNIX-CONNECT:$T/e.sock" >"$T/o4" 2>/dev/null &
p4=$!
wait $p4
check "echo: explicit deny before a broader group allow: nothing echoed" [ ! -s "$T/o4" ]
wait_for 2 grep -q "e: denied pid $p4 " "$GW_LOG"
check "echo: deny rule logged with pid/uid/gid and rule file:line ($P:$L_DENY)" \
    logged "e: denied pid $p4 uid $id4 gid $(id -g udsgw-ta4-$S): deny rule (rule at $P:$L_DENY)"

# Real-group check: the same user with the group dropped is refused.
out=$(printf 'x' | setpriv --reuid=udsgw-ta3-$S --regid=udsgw-ta3-$S --clear-groups socat -t 5 - "UNIX-CONNECT:$T/e.sock" 2>/dev/null)
check "echo: ta3 without its supplementary group is denied" [ -z "$out" ]
out=$(printf 'y' | setpriv --reuid=udsgw-ta2-$S --regid=udsgw-ta2-$S --groups="$tag" socat -t 5 - "UNIX-CONNECT:$T/e.sock" 2>/dev/null)
check "echo: ta2 given $TG by setpriv --groups is allowed (SO_PEERGROUPS)" [ "$out" = y ]

# --- http: 403 and close for a denied peer, 200 for an allowed one
code=$($AS1 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$T/h.sock" http://x/healthz)
check "http: allowed uid gets 200 (got $code)" [ "$code" = 200 ]
code=$($AS3 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$T/h.sock" http://x/healthz)
check "http: supplementary group gets 200 (got $code)" [ "$code" = 200 ]
# A denied peer is answered at accept, before it sends anything, and then
# closed: read-only clients (socat -u) see it. (A client that writes its
# request after our close may see a reset instead: no lingering close.)
code=$($AS2 timeout 5 socat -u "UNIX-CONNECT:$T/h.sock" - 2>/dev/null | head -1 | cut -d' ' -f2)
check "http: no rule matched gets 403 (got $code)" [ "$code" = 403 ]
# The 403 comes at accept, before any request; then the server closes.
t0=$(now_ms)
$AS4 timeout 5 socat -u "UNIX-CONNECT:$T/h.sock" - >"$T/h4" 2>/dev/null
rc=$?
dt=$(($(now_ms) - t0))
check "http: deny rule: 403 without sending a request" grep -q '^HTTP/1.1 403 Forbidden' "$T/h4"
check "http: 403 says Connection: close" grep -qi '^Connection: close' "$T/h4"
check "http: server closed after the 403 (rc $rc, ${dt} ms)" [ "$rc" -eq 0 -a "$dt" -lt 3000 ]
check "http: deny logged with rule file:line ($P:$L_HDENY)" \
    logged "h: denied pid [0-9]* uid $id4 gid [0-9]*: deny rule (rule at $P:$L_HDENY)"
check "http: default deny logged" \
    logged "h: denied pid [0-9]* uid $id2 gid [0-9]*: no rule matched (default deny) (listener at $P:$L_H)"

# --- per-uid cap: 1 connection per uid
$AS1 socat -u "UNIX-CONNECT:$T/u.sock" - >/dev/null 2>&1 &
hold=$!
STARTED_PIDS="$STARTED_PIDS $hold"
n=100; while [ "$(open_conns u)" != 1 ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
check "cap: first connection of uid $id1 admitted (open: $(open_conns u))" [ "$(open_conns u)" = 1 ]
t0=$(now_ms)
printf 'again' | $AS1 socat -t 5 - "UNIX-CONNECT:$T/u.sock" >"$T/ou" 2>/dev/null &
pu=$!
wait $pu
dt=$(($(now_ms) - t0))
check "cap: second connection of the same uid: nothing echoed" [ ! -s "$T/ou" ]
check "cap: ... and closed at once (${dt} ms)" [ "$dt" -lt 2000 ]
wait_for 2 grep -q "u: denied pid $pu " "$GW_LOG"
check "cap: refusal logged as max_connections_per_uid with the listener's file:line" \
    logged "u: denied pid $pu uid $id1 gid [0-9]*: max_connections_per_uid reached (listener at $P:$L_U)"
out=$(printf 'other' | $AS2 socat -t 5 - "UNIX-CONNECT:$T/u.sock")
check "cap: another uid is still served" [ "$out" = other ]
kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null
ok_after=
for i in 1 2 3 4 5 6 7 8 9 10; do
	out=$(printf 'free' | $AS1 socat -t 5 - "UNIX-CONNECT:$T/u.sock")
	[ "$out" = free ] && { ok_after=1; break; }
	sleep 0.2
done
check "cap: the uid's slot is released when its connection closes" [ -n "$ok_after" ]

$AS1 socat -u "UNIX-CONNECT:$T/uh.sock" - >/dev/null 2>&1 &
hold=$!
STARTED_PIDS="$STARTED_PIDS $hold"
n=100; while [ "$(open_conns uh)" != 1 ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
code=$($AS1 timeout 5 socat -u "UNIX-CONNECT:$T/uh.sock" - 2>/dev/null | head -1 | cut -d' ' -f2)
check "cap: http second connection of the same uid gets 403 (got $code)" [ "$code" = 403 ]
check "cap: http refusal logged as max_connections_per_uid" \
    logged "uh: denied pid [0-9]* uid $id1 gid [0-9]*: max_connections_per_uid reached (listener at $P:$L_UH)"
kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null

# --- listener full: the 3rd peer waits in the backlog, then is served
socat -u "UNIX-CONNECT:$T/m.sock" - >/dev/null 2>&1 &
m1=$!
socat -u "UNIX-CONNECT:$T/m.sock" - >/dev/null 2>&1 &
m2=$!
STARTED_PIDS="$STARTED_PIDS $m1 $m2"
n=100; while [ "$(open_conns m)" != 2 ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
check "full: two idle connections admitted" [ "$(open_conns m)" = 2 ]
(printf 'third'; sleep 8) | socat -t 2 - "UNIX-CONNECT:$T/m.sock" >"$T/o3" 2>"$T/o3.err" &
m3=$!
STARTED_PIDS="$STARTED_PIDS $m3"
sleep 1.5
check "full: 3rd connect() succeeded (client still waiting)" kill -0 "$m3"
check "full: 3rd peer not served while the listener is full" [ ! -s "$T/o3" ]
check "full: 3rd peer not accepted (still $(open_conns m) open)" [ "$(open_conns m)" = 2 ]
check "full: no denial logged for the waiting peer" sh -c "! grep -q 'm: denied' '$GW_LOG'"
kill "$m1" 2>/dev/null; wait "$m1" 2>/dev/null
wait_for 5 grep -q third "$T/o3"
check "full: served once a slot frees (echoed 'third')" [ "$(cat "$T/o3")" = third ]
kill "$m2" "$m3" 2>/dev/null

# --- the shared counters agree with the log
check "metrics: e denials by rule counted ($(denials e rule))" [ "$(denials e rule)" -ge 1 ]
check "metrics: e default denials counted ($(denials e default))" [ "$(denials e default)" -ge 2 ]
check "metrics: u uid_limit denials = 1 ($(denials u uid_limit))" [ "$(denials u uid_limit)" = 1 ]
check "metrics: uh uid_limit denials = 1 ($(denials uh uid_limit))" [ "$(denials uh uid_limit)" = 1 ]

# --- the worker survived all of this under its seccomp filter
check "workers unchanged (nobody died of SIGSYS): $W0" [ "$(workers_of "$GW_PID")" = "$W0" ]
check "no sandbox violation logged" sh -c "! grep -q 'SIGSYS' '$GW_LOG'"
for w in $W0; do
	check "worker $w: Seccomp $EXPECT_SECCOMP" \
	    [ "$(proc_field "$w" Seccomp)" = "$EXPECT_SECCOMP" ]
done
# SO_PEERSEC: a label only where an LSM provides one; none here means none logged.
if [ -z "$(cat /sys/kernel/security/lsm 2>/dev/null | tr -d ',' | sed 's/capability\|lockdown\|yama\|landlock\|bpf\|integrity//g')" ]; then
	check "no LSM: no peer label in the log" sh -c "! grep -q ' label ' '$GW_LOG'"
else
	ok "LSM present: label logged when the kernel gives one (not asserted)"
fi
stop_gw TERM
check "access: SIGTERM exits 0 (status $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
