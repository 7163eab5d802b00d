# Sockets: owner, group and mode exactly as the policy says; unsafe
# directories refused; abstract sockets.
. "$(dirname "$0")/lib.sh"

groupadd -f udsgw-tsock
trap 'groupdel udsgw-tsock 2>/dev/null; cleanup' EXIT

cat >"$T/p.policy" <<EOP
listener a {
	path	$T/a.sock
	service	echo
	owner	nobody
	group	udsgw-tsock
	mode	0660
	allow	any
}
listener b {
	path	$T/b.sock
	service	echo
	owner	root
	group	root
	mode	0600
	allow	any
}
listener c {
	path	$T/sub/c.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
}
listener d {
	path	@udsgw-test-abstract-$$
	service	echo
	allow	uid 0
}
EOP
# Under the unit's UMask=0077: the modes must come out as written.
umask 077
start_gw "$T/p.policy" || { notok "sockets: daemon start"; exit 1; }
umask 022
check "socket a: nobody udsgw-tsock 660" [ "$(stat_of "$T/a.sock")" = "nobody udsgw-tsock 660" ]
check "socket b: root root 600" [ "$(stat_of "$T/b.sock")" = "root root 600" ]
check "socket c: root root 666 (explicitly allowed)" [ "$(stat_of "$T/sub/c.sock")" = "root root 666" ]
check "socket a is a socket" [ -S "$T/a.sock" ]
check "missing directory created 0755 root" [ "$(stat_of "$T/sub")" = "root root 755" ]
check "lock file held: $T/a.sock.lock" sh -c "! flock -n '$T/a.sock.lock' true"
check "no temporary names left" [ -z "$(ls -A "$T" | grep '\.tmp')" ]
out=$(printf 'abs' | socat -t 5 - "ABSTRACT-CONNECT:udsgw-test-abstract-$$")
check "abstract socket echoes for uid 0" [ "$out" = abs ]
out=$(printf 'no' | setpriv --reuid=nobody --regid=nogroup --clear-groups socat -t 5 - "ABSTRACT-CONNECT:udsgw-test-abstract-$$" 2>/dev/null)
check "abstract socket: uid nobody denied by rule (closed, nothing echoed)" [ -z "$out" ]
check "denial logged with pid/uid/gid" grep -q "d: denied pid [0-9]* uid $(id -u nobody) gid" "$GW_LOG"
# What a client of an abstract socket must check before it trusts the
# server (policy.5): SO_PEERCRED names the gateway's main process, uid 0.
peercred() {
	python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect("\0" + sys.argv[1])
pid, uid, gid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
print(pid, uid)' "$1"
}
cred=$(peercred "udsgw-test-abstract-$$")
check "abstract socket: SO_PEERCRED is the gateway's, uid 0 (got $cred)" [ "$cred" = "$GW_PID 0" ]
stop_gw TERM

# Anyone can take an abstract name first: the gateway refuses to start,
# and SO_PEERCRED shows a client that the squatter is not the gateway.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    socat ABSTRACT-LISTEN:"udsgw-test-squat-$$",fork SYSTEM:true 2>/dev/null &
SQ=$!; STARTED_PIDS="$STARTED_PIDS $SQ"
wait_for 5 sh -c "grep -q '@udsgw-test-squat-$$' /proc/net/unix" || notok "squatter listening"
printf 'listener s {\n\tpath\t@udsgw-test-squat-%s\n\tservice\techo\n\tallow\tuid 0\n}\n' $$ >"$T/sq.policy"
timeout 20 "$BIN" -f "$T/sq.policy" 2>"$T/sq.log"
rc=$?
check "squatted abstract name: refused (exit $rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "squatted abstract name: says anyone can take it" grep -q "abstract name in use.*anyone's to take" "$T/sq.log"
cred=$(peercred "udsgw-test-squat-$$")
check "squatter: SO_PEERCRED uid is nobody's, not 0 (got $cred)" [ "${cred#* }" = "$(id -u nobody)" ]
kill "$SQ" 2>/dev/null; wait "$SQ" 2>/dev/null

# A directory writable by others (no sticky bit) is refused.
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
cat >"$T/q.policy" <<EOP
listener a {
	path	$T/open/a.sock
	service	echo
	allow	any
}
EOP
"$BIN" -f "$T/q.policy" 2>"$T/q.log"
rc=$?
check "world-writable directory refused (exit $rc)" [ "$rc" -ne 0 ]
check "refusal names the directory" grep -q "writable by group or others" "$T/q.log"
check "nothing created there" [ -z "$(ls -A "$T/open")" ]
