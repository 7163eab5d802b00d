# SIGHUP reload under load: 4 keep-alive clients that never retry
# (load.py strict: a request lost or retried is a failure; a new
# connection after an answer with "Connection: close" is not) send
# POST /echo while the policy changes twice (a changed mode: the socket is replaced by a
# rename; a new listener; a removed one; a new worker count). No request
# may fail; the new policy takes effect; the removed socket and its lock
# go once the old workers are gone. Then an invalid policy: logged as
# file:line:col, and the old policy keeps serving.
. "$(dirname "$0")/lib.sh"
LOAD="$(dirname "$0")/load.py"

pol() {	# pol MODE WORKERS WITH_ECHO WITH_WEB2
	{
	echo "workers	$2"
	echo "shutdown_timeout 3s"
	printf 'listener web {\n\tpath\t%s\n\tservice\thttp\n\tmode\t%s\n' \
	    "$T/web.sock" "$1"
	[ "$1" = 0666 ] && printf '\tallow_world_writable yes\n'
	printf '\tallow\tany\n}\n'
	[ "$3" = 1 ] && printf 'listener echo {\n\tpath\t%s\n\tservice\techo\n\tallow\tany\n}\n' "$T/echo.sock"
	[ "$4" = 1 ] && printf 'listener web2 {\n\tpath\t%s\n\tservice\thttp\n\tallow\tany\n}\n' "$T/web2.sock"
	true
	} >"$T/p.policy.new" && mv "$T/p.policy.new" "$T/p.policy"
}
pol 0660 2 1 0
start_gw "$T/p.policy" || { notok "reload: daemon start"; exit 1; }
ino0=$(stat -c %i "$T/web.sock")
gen1=$(workers_of "$GW_PID")

timeout 120 python3 "$LOAD" "$T/web.sock" 4 5000 strict 1 >"$T/load.out" 2>&1 &
LP=$!; STARTED_PIDS="$STARTED_PIDS $LP"
check "load running (every client answered once)" \
    wait_for 30 grep -q '^# running' "$T/load.out"
pol 0666 3 0 1
kill -HUP "$GW_PID"
check "reload 1: new generation ready" wait_for 10 grep -q 'reloaded: generation 2' "$GW_LOG"
check "reload 1: the load was still running" kill -0 "$LP"
check "reload 1: changed mode applied (0666)" [ "$(stat -c %a "$T/web.sock")" = 666 ]
check "reload 1: changed listener is a new inode" [ "$(stat -c %i "$T/web.sock")" != "$ino0" ]
out=$(curl -sS -m 5 --unix-socket "$T/web2.sock" http://x/healthz 2>&1)
check "reload 1: new listener serves" [ -n "$out" ]
gone1() { for w in $gen1; do kill -0 "$w" 2>/dev/null && return 1; done; return 0; }
check "reload 1: old workers exit" wait_for 10 gone1
check "reload 1: removed socket unlinked" wait_for 5 test ! -e "$T/echo.sock"
check "reload 1: removed socket's lock unlinked" [ ! -e "$T/echo.sock.lock" ]
sleep 0.3
pol 0660 2 0 1
kill -HUP "$GW_PID"
check "reload 2: new generation ready" wait_for 10 grep -q 'reloaded: generation 3' "$GW_LOG"
check "reload 2: the load was still running" kill -0 "$LP"
check "reload 2: mode back to 0660" [ "$(stat -c %a "$T/web.sock")" = 660 ]
n=100; while kill -0 "$LP" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
wait "$LP" 2>/dev/null
sed 's/^/# /' "$T/load.out"
res=$(tail -n 1 "$T/load.out")
failed=$(echo "$res" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
okn=$(echo "$res" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
reop=$(echo "$res" | sed -n 's/.*reopened=\([0-9]*\).*/\1/p')
check "reload under load: 20000 requests, none lost, all 200 and correct (failed=${failed:-?})" \
    [ "${failed:-x}" = 0 -a "${okn:-0}" = 20000 ]
# Each drain ends each client's connection with "Connection: close".
check "reload under load: both drains closed the 4 connections by announcing it (reopened=${reop:-?})" \
    [ "${reop:-0}" -ge 8 ]
# 2 per listener (web, web2): each listener has workers of its own.
check "workers after reload 2: 2 per listener, 4" wait_for 10 sh -c "[ \$(pgrep -P $GW_PID | wc -l) = 4 ]"

# An invalid policy: logged with file:line:col, the old one keeps serving.
cp "$T/p.policy" "$T/good.policy"
printf 'workers 2\nlistener bad {\n\tpath\t%s\n\tservice\tnosuch\n}\n' \
    "$T/bad.sock" >"$T/p.policy"
kill -HUP "$GW_PID"
check "invalid policy: reload failed logged" wait_for 5 grep -q 'reload failed' "$GW_LOG"
check "invalid policy: file:line:col in the log" grep -q "$T/p.policy:4:[0-9]*:" "$GW_LOG"
nogen4() { ! grep -q 'generation 4' "$GW_LOG"; }
check "invalid policy: no new generation" nogen4
check "invalid policy: bad listener not created" [ ! -e "$T/bad.sock" ]
out=$(timeout 30 python3 "$LOAD" "$T/web.sock" 2 50 strict | tail -n 1)
check "invalid policy: old policy still serves ($out)" [ "${out#*failed=0 }" != "$out" ]
check "invalid policy: web2 still there" [ -S "$T/web2.sock" ]
kill -USR1 "$GW_PID"
check "SIGUSR1: status line with request totals" \
    wait_for 5 grep -q 'status: generation 3, .* requests' "$GW_LOG"
stop_gw TERM
check "exit 0 after reloads" [ "$GW_STATUS" -eq 0 ]
check "sockets and locks removed at exit" \
    [ ! -e "$T/web.sock" -a ! -e "$T/web2.sock" -a ! -e "$T/web.sock.lock" ]
