# Socket activation: systemd-socket-activate binds a socket and passes it
# (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES); the daemon serves it, leaves
# its owner and mode alone, creates the other listener itself, and does
# not unlink the inherited socket at exit. A LISTEN_PID that is not the
# daemon's is ignored: the listener is created as usual.
. "$(dirname "$0")/lib.sh"
SA=$(command -v systemd-socket-activate)
[ -n "$SA" ] || { notok "activation: systemd-socket-activate not installed"; exit 1; }

cat >"$T/p.policy" <<EOP
workers 2
listener web {
	path	$T/web.sock
	service	http
	mode	0660
	allow	any
}
listener own {
	path	$T/own.sock
	service	http
	allow	any
}
EOP
# by name (--fdname=web)
GW_LOG=$T/gw.act.log
"$SA" -l "$T/web.sock" --fdname=web "$BIN" -f "$T/p.policy" 2>"$GW_LOG" &
GW_PID=$!; STARTED_PIDS="$STARTED_PIDS $GW_PID"
# It starts the daemon on the first connection: that one must be served.
wait_for 10 grep -qs 'Listening on' "$GW_LOG"
first=$(curl -sS -m 10 --unix-socket "$T/web.sock" http://x/healthz 2>&1)
check "activation: the first (activating) connection is served ($first)" [ -n "$first" ]
if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
	notok "activation: daemon start"; sed 's/^/#   /' "$GW_LOG"; exit 1
fi
check "activation: one inherited fd logged" grep -q 'socket activation: 1 inherited fd' "$GW_LOG"
check "activation: web uses the inherited socket" grep -q 'listener web: http .*(from systemd)' "$GW_LOG"
mode_before=$(stat -c %a "$T/web.sock")
check "activation: inherited socket's mode left alone (not 660)" [ "$mode_before" != 660 ]
check "activation: no lock file for the inherited socket" [ ! -e "$T/web.sock.lock" ]
out=$(curl -sS -m 5 --unix-socket "$T/web.sock" http://x/healthz 2>&1)
check "activation: inherited socket serves ($out)" [ -n "$out" ]
out=$(curl -sS -m 5 --unix-socket "$T/own.sock" http://x/healthz 2>&1)
check "activation: the other listener is created and serves" [ -n "$out" ]
w=$(pgrep -P "$GW_PID" | head -1)
check "activation: LISTEN_* not passed to workers" \
    sh -c "! tr '\\0' '\\n' </proc/$w/environ | grep -q LISTEN_"
kill -HUP "$GW_PID"
check "activation: reload keeps the inherited socket" wait_for 10 grep -q 'reloaded: generation 2' "$GW_LOG"
out=$(curl -sS -m 5 --unix-socket "$T/web.sock" http://x/healthz 2>&1)
check "activation: inherited socket serves after reload" [ -n "$out" ]
stop_gw TERM
check "activation: exit 0" [ "$GW_STATUS" -eq 0 ]
check "activation: inherited socket not unlinked at exit" [ -S "$T/web.sock" ]
check "activation: our own socket unlinked at exit" [ ! -e "$T/own.sock" ]
rm -f "$T/web.sock"

# by bound path (no LISTEN_FDNAMES name matches)
GW_LOG=$T/gw.act2.log
"$SA" -l "$T/web.sock" --fdname=other "$BIN" -f "$T/p.policy" 2>"$GW_LOG" &
GW_PID=$!; STARTED_PIDS="$STARTED_PIDS $GW_PID"
wait_for 10 grep -qs 'Listening on' "$GW_LOG"
curl -sS -m 10 --unix-socket "$T/web.sock" http://x/healthz >/dev/null 2>&1
check "activation by path: ready" wait_for 10 grep -qs 'ready:' "$GW_LOG"
check "activation by path: web uses the inherited socket" grep -q 'listener web: http .*(from systemd)' "$GW_LOG"
stop_gw TERM
check "activation by path: inherited socket not unlinked" [ -S "$T/web.sock" ]
rm -f "$T/web.sock"

# LISTEN_PID not ours: ignored (fd 3 is a plain file here)
: >"$T/fd3"
GW_LOG=$T/gw.act3.log
LISTEN_PID=1 LISTEN_FDS=1 LISTEN_FDNAMES=web "$BIN" -f "$T/p.policy" \
    2>"$GW_LOG" 3<"$T/fd3" &
GW_PID=$!; STARTED_PIDS="$STARTED_PIDS $GW_PID"
check "foreign LISTEN_PID: ready" wait_for 10 grep -qs 'ready:' "$GW_LOG"
check "foreign LISTEN_PID: ignored and logged" grep -q 'LISTEN_FDS ignored' "$GW_LOG"
check "foreign LISTEN_PID: socket created by the daemon (mode 660)" \
    [ "$(stat -c %a "$T/web.sock")" = 660 -a -e "$T/web.sock.lock" ]
stop_gw TERM
check "foreign LISTEN_PID: our socket unlinked at exit" [ ! -e "$T/web.sock" ]

# malformed LISTEN_FDNAMES for our pid: refuse to start (config error)
GW_LOG=$T/gw.act4.log
sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=a:b exec "$0" -f "$1"' \
    "$BIN" "$T/p.policy" 2>"$GW_LOG"
st=$?
check "malformed LISTEN_FDNAMES: exit 78 ($st)" [ "$st" = 78 ]
check "malformed LISTEN_FDNAMES: logged" grep -q 'malformed LISTEN_' "$GW_LOG"

# LISTEN_FDS=2 for our pid with fd 3 not open and fd 4 our socket: fd 3
# is refused as unclaimed, fd 4 adopted, and no descriptor of the
# daemon's own (epoll, signalfd, memfds) lands on 3 and is closed with
# it. An attack review saw the daemon close its own epoll fd here.
GW_LOG=$T/gw.act5.log
python3 - "$BIN" "$T/p.policy" "$T/web.sock" 2>"$GW_LOG" <<'EOP' &
import os, socket, sys
binary, pol, path = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o660)
s.listen(16)
os.dup2(s.fileno(), 4)
os.close(3) if s.fileno() != 3 else None
try:
    os.close(3)
except OSError:
    pass
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="2",
                  LISTEN_FDNAMES="unused:web")
os.execv(binary, [binary, "-f", pol])
EOP
GW_PID=$!; STARTED_PIDS="$STARTED_PIDS $GW_PID"
check "activation, fd 3 not open: ready" wait_for 10 grep -qs 'ready:' "$GW_LOG"
check "activation, fd 3 not open: fd 4 adopted as web" grep -q 'listener web: http .*(from systemd)' "$GW_LOG"
check "activation, fd 3 not open: serves" [ "$(curl -s -m 5 --unix-socket "$T/web.sock" http://x/healthz)" = ok ]
stop_gw TERM
check "activation, fd 3 not open: clean exit ($GW_STATUS)" [ "$GW_STATUS" = 0 ]
sed 's/^/#   /' "$GW_LOG" | grep -i 'fd 3\|error\|epoll' | head -5
rm -f "$T/web.sock"
