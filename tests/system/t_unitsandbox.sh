# The parent inside the unit's sandbox, emulated without systemd: /proc
# mounted as ProtectProc=ptraceable mounts it, only the unit's capability
# bounding set, NO_NEW_PRIVS. /proc/<worker> is then hidden from the
# parent; it must still verify its workers (through the status descriptor
# each opened before exec), serve, reload and stop.
# tests/check.d/60-systemd.sh starts the real unit under systemd.
if [ -z "${UDSGW_IN_MOUNTNS:-}" ]; then
	UDSGW_IN_MOUNTNS=1 exec unshare --mount --propagation private \
	    sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
UNIT=$TOP/packaging/systemd/uds-gateway.service

hide=$(sed -n 's/^ProtectProc=//p' "$UNIT")
check "unitsandbox: the unit hides other processes (ProtectProc=$hide)" \
    [ "$hide" = ptraceable ]
if ! mount -t proc -o hidepid=ptraceable,subset=pid proc /proc; then
	notok "unitsandbox: mount proc hidepid=ptraceable"
	exit 1
fi

# CapabilityBoundingSet=CAP_A CAP_B ... -> setpriv's "-all,+a,+b".
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" |
    tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ \{1,\}/,/g')
check "unitsandbox: bounding set read from the unit ($caps)" \
    sh -c "echo '$caps' | grep -q '^+[a-z_]*\(,+[a-z_]*\)*$'"
SANDBOX="setpriv --bounding-set -all,$caps --inh-caps -all --no-new-privs --"

cat >"$T/p.policy" <<EOP
user	nobody
workers	2
shutdown_timeout 2s
listener echo {
	path	$T/echo.sock
	service	echo
	allow	any
}
listener http {
	path	$T/http.sock
	service	http
	allow	any
}
EOP
GW_LOG=$T/gw.log
$SANDBOX "$BIN" -f "$T/p.policy" 2>"$GW_LOG" &
GW_PID=$!
STARTED_PIDS="$STARTED_PIDS $GW_PID"
if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
	sed 's/^/#   /' "$GW_LOG"
	notok "unitsandbox: daemon ready with /proc/<worker> hidden"
	exit 1
fi
ok "unitsandbox: daemon ready with /proc/<worker> hidden"
bnd=$(proc_field "$GW_PID" CapBnd)
v=$((0x$bnd)); bits=0
while [ "$v" -ne 0 ]; do bits=$((bits + (v & 1))); v=$((v >> 1)); done
want=$(echo "$caps" | tr ',' '\n' | grep -c .)
check "unitsandbox: parent: CapEff = CapBnd = $bnd ($bits capabilities)" \
    [ "$(proc_field "$GW_PID" CapEff)" = "$bnd" -a "$bits" -eq "$want" ]
check "unitsandbox: parent: NoNewPrivs 1" \
    [ "$(proc_field "$GW_PID" NoNewPrivs)" = 1 ]
ws=$(workers_of "$GW_PID")
nobody=$(id -u nobody); nogroup=$(id -g nobody)
# The control: by path, the same check cannot see the worker here. A
# hidden /proc/<pid> gives ENOENT, or EPERM once a privileged lookup (our
# pgrep) has cached its dentry: either will do, a pass never. The worker
# must still be there (seen from here, with every capability): hidden,
# not gone.
refused() { # PID RC OUT
	[ "$2" -ne 0 ] && [ -d "/proc/$1" ] &&
	    case $3 in
	    "not demoted: /proc/$1/status: Operation not permitted" | \
	    "not demoted: /proc/$1/status: No such file or directory") true ;;
	    *) false ;;
	    esac
}
n=0
for w in $ws; do
	n=$((n + 1))
	out=$($SANDBOX "$PROBE" verify "$w" "$nobody" "$nogroup" 2>&1); rc=$?
	check "unitsandbox: worker $n: /proc/$w/status refused by path (exit $rc: $out)" \
	    refused "$w" "$rc" "$out"
done
check "unitsandbox: 2 workers for each of the 2 listeners" [ "$n" -eq 4 ]
check "unitsandbox: /healthz" [ "$(curl -s --max-time 5 \
    --unix-socket "$T/http.sock" http://localhost/healthz)" = ok ]
check "unitsandbox: echo" [ "$(printf 'x' | socat -t 5 - \
    "UNIX-CONNECT:$T/echo.sock")" = x ]

kill -HUP "$GW_PID"
check "unitsandbox: SIGHUP: new generation verified and serving" \
    wait_for 10 grep -q 'reloaded: generation 2' "$GW_LOG"
check "unitsandbox: new workers" wait_for 10 sh -c \
    "[ -n \"\$(pgrep -P $GW_PID)\" ] && [ \"\$(pgrep -P $GW_PID | tr '\n' ' ')\" != '$ws' ]"
check "unitsandbox: /healthz after reload" [ "$(curl -s --max-time 5 \
    --unix-socket "$T/http.sock" http://localhost/healthz)" = ok ]
check "unitsandbox: no sandbox complaint" sh -c \
    "! grep -q 'not sandboxed' '$GW_LOG'"
stop_gw TERM
check "unitsandbox: SIGTERM: exit 0" [ "$GW_STATUS" -eq 0 ]
