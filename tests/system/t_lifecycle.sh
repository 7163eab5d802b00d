# Supervision and shutdown: a worker killed with -9 under load is
# restarted and no new connection is refused meanwhile (the listening
# socket stays open in the parent); SIGSYS is reported as a sandbox
# violation; SIGTERM lets an in-flight slow POST finish, removes sockets
# and locks, exits 0; workers that cannot start exhaust the crash budget
# and the daemon exits non-zero with a clear message; a policy error
# exits 78 (EX_CONFIG).
. "$(dirname "$0")/lib.sh"
LOAD="$(dirname "$0")/load.py"
res_field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

cat >"$T/p.policy" <<EOP
workers 1
shutdown_timeout 5s
listener web {
	path	$T/web.sock
	service	http
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "lifecycle: daemon start"; exit 1; }

# 1. kill -9 the only worker while 4 clients open a new connection for
# every request: new peers wait in the backlog until the restart.
timeout 120 python3 "$LOAD" "$T/web.sock" 4 600 fresh 1 >"$T/l1.out" 2>&1 &
LP=$!; STARTED_PIDS="$STARTED_PIDS $LP"
sleep 0.4
w1=$(pgrep -P "$GW_PID" | head -1)
kill -KILL $w1
check "kill -9 worker: logged" wait_for 5 grep -q "worker $w1 killed by signal 9" "$GW_LOG"
check "kill -9 worker: restarted" wait_for 5 sh -c "[ -n \"\$(pgrep -P $GW_PID)\" ] && [ \"\$(pgrep -P $GW_PID)\" != '$w1' ]"
n=150; while kill -0 "$LP" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
wait "$LP" 2>/dev/null
sed 's/^/# /' "$T/l1.out"
ref=$(res_field refused "$T/l1.out"); fl=$(res_field failed "$T/l1.out")
okn=$(res_field ok "$T/l1.out")
check "kill -9 worker: no connection refused (refused=${ref:-?})" [ "${ref:-x}" = 0 ]
# Only requests already inside the killed worker can fail: at most 4.
check "kill -9 worker: at most the 4 in-flight requests lost (failed=${fl:-?})" \
    [ "${fl:-99}" -le 4 -a "${okn:-0}" -ge 2396 ]

# 2. SIGSYS is a sandbox violation.
w2=$(pgrep -P "$GW_PID" | head -1)
kill -SYS $w2
check "SIGSYS: logged as a sandbox violation" \
    wait_for 5 grep -q "worker $w2 killed by SIGSYS: sandbox violation" "$GW_LOG"
check "SIGSYS: worker restarted" wait_for 5 sh -c "[ -n \"\$(pgrep -P $GW_PID)\" ] && [ \"\$(pgrep -P $GW_PID)\" != '$w2' ]"
sleep 0.3

# 3. SIGTERM with a slow POST in flight: its body is still being sent
# when SIGTERM arrives; it completes with 200 and the right body.
cat >"$T/slow.py" <<'EOP'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
open(sys.argv[2], "w").close()
time.sleep(1.5)
s.sendall(b"world")
r = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    r += d
    if r.endswith(b"helloworld"):
        break
print(r.split(b"\r\n")[0].decode(), r.endswith(b"helloworld"))
EOP
python3 "$T/slow.py" "$T/web.sock" "$T/slow.started" >"$T/slow.out" 2>&1 &
SP=$!; STARTED_PIDS="$STARTED_PIDS $SP"
wait_for 5 test -e "$T/slow.started"
sleep 0.3
kill -TERM "$GW_PID"
n=100; while kill -0 "$SP" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
wait "$SP" 2>/dev/null
echo "# slow POST: $(cat "$T/slow.out")"
check "SIGTERM: in-flight slow POST completed with 200" \
    grep -q '^HTTP/1.1 200.* True$' "$T/slow.out"
stop_gw TERM
check "SIGTERM: exit 0" [ "$GW_STATUS" -eq 0 ]
check "SIGTERM: socket and lock removed" \
    [ ! -e "$T/web.sock" -a ! -e "$T/web.sock.lock" ]
check "SIGTERM: drain logged" grep -q 'stopping: draining' "$GW_LOG"

# 4. Crash budget: workers that die during start-up again and again.
# A real failure: the chroot directory becomes group and world writable
# after start (the workers enter it through the parent's descriptor, so
# replacing the directory at the path would change nothing: the mode
# of that very inode is what they check), so every new worker fails in
# privdrop. The daemon runs in a mount namespace of its own with a
# private /run/uds-gateway, so that neither a gateway running on this
# host nor another test ever sees that directory change.
GW_LOG=$T/gw.budget.log
unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run/uds-gateway && exec "$0" -f "$1"' \
    "$BIN" "$T/p.policy" 2>"$GW_LOG" &
GW_PID=$!; STARTED_PIDS="$STARTED_PIDS $GW_PID"
if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
	sed 's/^/#   /' "$GW_LOG"; notok "budget: daemon start"; exit 1
fi
CH=/proc/$GW_PID/root/run/uds-gateway/empty	# its own, not the host's
check "budget: the daemon's chroot is private ($(stat -c %i "$CH") != $(stat -c %i /run/uds-gateway/empty 2>/dev/null))" \
    [ "$(stat -c %i "$CH")" != "$(stat -c %i /run/uds-gateway/empty 2>/dev/null)" ]
if chmod 0777 "$CH"; then
	kill -KILL $(workers_of "$GW_PID")
	n=200; while kill -0 "$GW_PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.05; n=$((n - 1)); done
	wait "$GW_PID" 2>/dev/null; st=$?
	check "budget: daemon exits non-zero ($st)" [ "$st" -ne 0 -a "$st" -ne 78 ]
	check "budget: clear message" grep -q 'workers failed to start 5 times in a row; giving up' "$GW_LOG"
	check "budget: start-up deaths logged" grep -q 'exited with status 1 during start-up' "$GW_LOG"
	check "budget: the reason is named" grep -q 'chroot directory must be a directory owned by root and writable only by it' "$GW_LOG"
	check "budget: no worker left" [ -z "$(pgrep -P "$GW_PID")" ]
else
	notok "budget: could not chmod $CH"
fi

# 5. A policy error is EX_CONFIG (78): never worth a restart.
printf 'listener x {\n\tpath\t%s\n\tservice\tnosuch\n}\n' "$T/x.sock" >"$T/bad.policy"
"$BIN" -f "$T/bad.policy" 2>"$T/bad.log"; st=$?
check "policy error: exit 78 ($st)" [ "$st" = 78 ]
check "policy error: file:line:col" grep -q "$T/bad.policy:3:" "$T/bad.log"
