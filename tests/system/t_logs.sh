# Logs that cannot stop the service, and that a worker cannot forge.
# (a) The daemon's standard error is a FIFO read by a cat that the test
#     stops (SIGSTOP): with the log reader stalled, a flood of denied
#     connects (uid 4242) and of allowed requests that log at debug
#     level must not stop allowed peers from being served; once the
#     reader resumes, the parent says how many lines it dropped and the
#     worker how many denials it did not log (per uid).
# (b) A worker record with a newline (the policy file's path, quoted in
#     every denial line, has one) comes out as one escaped line, and the
#     journal priority prefix of a worker record is the worker's.
# (c) As under systemd: standard error is a stream socket (the journal's
#     is one) that nobody reads for a while.
. "$(dirname "$0")/lib.sh"

DENIED=4242
AS_DENIED="setpriv --reuid=$DENIED --regid=$DENIED --clear-groups"
PY=/usr/bin/python3	# the system's: uid $DENIED must be able to run it

# flood.py SOCKET N MODE: N connections, one at a time. MODE "get":
# GET /healthz, each must be answered 200 (a client with a 10 s timeout
# on every operation, no retry); "deny": connect and close. Prints
# "sent=N ok=K"; stops at the first failure.
cat >"$T/flood.py" <<'EOP'
import socket, sys
path, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ok = 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        if mode == "get":
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
            if not data.startswith(b"HTTP/1.1 200 "):
                print("# request %d: %r" % (i, data[:80]))
                break
        ok += 1
    except OSError as e:
        print("# request %d: %s" % (i, e))
        break
    finally:
        s.close()
print("sent=%d ok=%d" % (n, ok))
EOP

cat >"$T/p.policy" <<EOP
workers 2
listener a {
	path	$T/a.sock
	service	http
	mode	0666
	allow_world_writable yes
	deny	uid $DENIED
	allow	uid 0
}
EOP

# --- (a) a stalled log reader ------------------------------------------
mkfifo "$T/err.fifo"
LOG=$T/gw-a.log
cat <"$T/err.fifo" >"$LOG" &
CAT_PID=$!
STARTED_PIDS="$STARTED_PIDS $CAT_PID"
"$BIN" -d -f "$T/p.policy" 2>"$T/err.fifo" &
GW_PID=$!
STARTED_PIDS="$STARTED_PIDS $GW_PID"
if ! wait_for 10 grep -qs 'ready:' "$LOG"; then
	notok "logs: daemon ready"; sed 's/^/#   /' "$LOG"; exit 1
fi
ok "logs: daemon ready, stderr through a FIFO to cat $CAT_PID"

kill -STOP "$CAT_PID"
r=$($AS_DENIED $PY "$T/flood.py" "$T/a.sock" 2000 deny)
echo "# denied flood (uid $DENIED): $r"
check "logs: 2000 denied connects made while the log reader is stopped" \
    test "$r" = "sent=2000 ok=2000"
# Allowed requests, each logged at debug level by its worker: far more
# than the pipe (64 KiB) and the parent's queue (64 KiB) can hold.
r=$($PY "$T/flood.py" "$T/a.sock" 3000 get)
echo "# allowed flood, log reader stopped: $r"
check "logs: 3000 allowed requests served while the log reader is stopped" \
    test "$r" = "sent=3000 ok=3000"
n=0
for i in 1 2 3 4 5; do
	curl -sf -m 10 --unix-socket "$T/a.sock" http://x/healthz \
	    >/dev/null && n=$((n + 1))
done
check "logs: curl served after the floods, log reader still stopped" \
    test "$n" -eq 5
check "logs: the daemon is alive" kill -0 "$GW_PID"

kill -CONT "$CAT_PID"
check "logs: after the reader resumes, the parent reports dropped lines" \
    wait_for 10 grep -q 'log lines dropped: the log output was not taking them' "$LOG"
# A few more denials now: whatever the timing above, a summary of
# suppressed denials becomes due while the reader is reading.
r=$($AS_DENIED $PY "$T/flood.py" "$T/a.sock" 20 deny)
check "logs: uid $DENIED's suppressed denials are summarised" \
    wait_for 25 grep -qE "uid $DENIED: [0-9]+ denials suppressed in the last [0-9]+s" "$LOG"
# 2020 denied connects, but per worker at most 5 lines per 10 s window.
nd=$(grep -c "denied pid [0-9]* uid $DENIED " "$LOG")
echo "# denial lines for uid $DENIED: $nd"
check "logs: denial lines are rate-limited ($nd of 2020)" \
    test "$nd" -ge 1 -a "$nd" -le 100
# suppressed: the sum of uid $DENIED's summaries so far.
suppressed() {
	sed -n "s/.*uid $DENIED: \([0-9]*\) denials suppressed.*/\1/p" "$LOG" |
	    awk '{ s += $1 } END { print s + 0 }'
}
at_least_suppressed() { [ "$(suppressed)" -ge "$1" ]; }
# Of 2020 denials, 10 to 20 are logged (5 per worker per window); the
# rest are counted, and summarised a window after the first of them.
check "logs: the summaries count the denials not logged" \
    wait_for 25 at_least_suppressed 1990
echo "# suppressed denials reported: $(suppressed)"
stop_gw
check "logs: clean stop" test "$GW_STATUS" -eq 0
check "logs: the last line (stopped) is written" grep -q 'stopped' "$LOG"
kill "$CAT_PID" 2>/dev/null

# --- (b) a worker record with a newline -----------------------------------
NL='
'
PB="$T/p${NL}<0>uds-gateway[1]: reloaded: forged.policy"
cp "$T/p.policy" "$PB"
sed -i "s|$T/a.sock|$T/b.sock|" "$PB"
LOGB=$T/gw-b.log
: >"$LOGB"
# Standard error is "the journal" (JOURNAL_STREAM names it): <N> prefixes.
JOURNAL_STREAM=$(stat -c '%d:%i' "$LOGB") "$BIN" -f "$PB" 2>>"$LOGB" &
GW_PID=$!
STARTED_PIDS="$STARTED_PIDS $GW_PID"
if ! wait_for 10 grep -qs 'ready:' "$LOGB"; then
	notok "logs: daemon ready (policy path with a newline)"
	sed 's/^/#   /' "$LOGB"; exit 1
fi
$AS_DENIED $PY "$T/flood.py" "$T/b.sock" 1 deny >/dev/null
check "logs: the denial is logged, escaped, at the worker's priority" \
    wait_for 5 grep -qF '<4>worker ' "$LOGB"
check "logs: the newline in it is shown as \\x0a" \
    grep -qF 'uid 4242 gid 4242: deny rule (rule at '"$T"'/p\x0a<0>uds-gateway[1]: reloaded: forged.policy:' "$LOGB"
check "logs: no line starts with a forged priority or tag" \
    sh -c "! grep -qE '^(<[0-2]>|<[0-9]>uds-gateway\[1\]|uds-gateway\[1\])' '$LOGB'"
check "logs: every line carries a priority prefix" \
    sh -c "! grep -qvE '^<[0-7]>' '$LOGB'"
# 30 more denials, then a stop well inside the 10 s window: each worker
# logs at most 5, and says what it suppressed as it exits. With a file
# as the output nothing is dropped, so the lines and the summaries
# account for all 31.
$AS_DENIED $PY "$T/flood.py" "$T/b.sock" 30 deny >/dev/null
stop_gw
check "logs: clean stop (b)" test "$GW_STATUS" -eq 0
nd=$(grep -c "denied pid [0-9]* uid $DENIED " "$LOGB")
ns=$(sed -n "s/.*uid $DENIED: \([0-9]*\) denials suppressed.*/\1/p" "$LOGB" |
    awk '{ s += $1 } END { print s + 0 }')
check "logs: at exit, 31 denials = $nd lines + $ns summarised" \
    test "$nd" -le 10 -a $((nd + ns)) -eq 31
check "logs: the summaries are worker records at WARNING" \
    grep -qE "^<4>worker a#[01] pid [0-9]+: uid $DENIED: [0-9]+ denials suppressed in the last [0-9]+s$" "$LOGB"

# --- (c) standard error is a socket nobody reads -------------------------
sed "s|$T/a.sock|$T/c.sock|" "$T/p.policy" >"$T/c.policy"
cat >"$T/sock.py" <<'EOP'
import os, signal, socket, subprocess, sys, time
gw, pol, sock, py, flood = sys.argv[1:6]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
st = os.fstat(a.fileno())
env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
p = subprocess.Popen([gw, "-d", "-f", pol], stderr=a.fileno(), env=env)
a.close()
with open(sys.argv[6], "w") as f:
    f.write("%d\n" % p.pid)
log = b""
b.settimeout(0.2)
def read_for(secs, until):
    global log
    end = time.monotonic() + secs
    while time.monotonic() < end and until not in log:
        try:
            d = b.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        log += d
try:
    read_for(10, b"ready:")
    print(("ok" if b"ready:" in log else "not ok") +
          " - logs (c): ready, stderr a socket with JOURNAL_STREAM", flush=True)
    # Not reading now: 4000 allowed requests, each a debug line.
    r = subprocess.run([py, flood, sock, "4000", "get"], capture_output=True,
                       text=True).stdout.strip()
    print("# " + r.replace("\n", " "), flush=True)
    print(("ok" if r.endswith("sent=4000 ok=4000") else "not ok") +
          " - logs (c): 4000 allowed requests served, socket not read",
          flush=True)
    read_for(20, b"log lines dropped")
    print(("ok" if b"<4>" in log and b"log lines dropped: the log output "
           b"was not taking them" in log else "not ok") +
          " - logs (c): the parent reports the lines it dropped", flush=True)
finally:
    p.send_signal(signal.SIGTERM)
    read_for(10, b"<6>stopped")
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    print(("ok" if b"<6>stopped\n" in log else "not ok") +
          " - logs (c): stopped, last line written", flush=True)
EOP
# The daemon is the script's child: killed by the script, or by us.
trap 'kill -KILL $(cat "$T/c.pid" 2>/dev/null) 2>/dev/null; cleanup' EXIT
$PY "$T/sock.py" "$BIN" "$T/c.policy" "$T/c.sock" "$PY" "$T/flood.py" "$T/c.pid"
