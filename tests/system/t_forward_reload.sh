# Forward and reload: a forwarded connection in flight survives SIGHUP
# (until shutdown_timeout) and keeps its upstream; a changed upstream
# applies to new connections.
. "$(dirname "$0")/lib.sh"
UP=$T/up
mkdir -p "$UP" && chmod 0755 "$UP"
socat "UNIX-LISTEN:$UP/a.sock,fork,mode=0666" EXEC:cat &
STARTED_PIDS="$STARTED_PIDS $!"
socat "UNIX-LISTEN:$UP/b.sock,fork,mode=0666" 'SYSTEM:sed -u s/^/B/' &
STARTED_PIDS="$STARTED_PIDS $!"
wait_for 10 test -S "$UP/a.sock"
wait_for 10 test -S "$UP/b.sock"

policy() {
	cat >"$T/p.policy" <<EOP
shutdown_timeout 20s
upstream u {
	unix	$UP/$1
}
listener f {
	path	$T/f.sock
	service	forward
	upstream u
	allow	any
	workers	1
}
EOP
}
policy a.sock
start_gw "$T/p.policy" || { notok "forward reload: daemon start"; exit 1; }

# One connection across the reload: a line before, a line after.
python3 - "$T/f.sock" "$T" >"$T/long.out" 2>&1 <<'EOPY' &
import os, socket, sys, time
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.settimeout(30)
c.connect(sys.argv[1])
c.sendall(b'one\n')
print(c.recv(100).decode().strip())
open(sys.argv[2] + '/long.ready', 'w').close()
for _ in range(600):
    if os.path.exists(sys.argv[2] + '/go'):
        break
    time.sleep(0.05)
c.sendall(b'two\n')
print(c.recv(100).decode().strip())
c.close()
EOPY
LONG=$!
STARTED_PIDS="$STARTED_PIDS $LONG"
wait_for 10 test -e "$T/long.ready"

policy b.sock
kill -HUP "$GW_PID"
check "reload with a changed upstream: new generation serving" wait_for 20 grep -q 'reloaded: generation 2' "$GW_LOG"
out=$(printf 'new\n' | socat -t 5 - "UNIX-CONNECT:$T/f.sock")
check "after reload: a new connection goes to the new upstream ($out)" [ "$out" = Bnew ]
touch "$T/go"
wait "$LONG"
check "a connection in flight survived the reload, on its old upstream" [ "$(cat "$T/long.out" | tr '\n' ' ')" = "one two " ]
stop_gw TERM
check "forward reload: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
