# Sockets in shared places: a directory others can write (sticky or not)
# is refused, and so is one under an unsafe ancestor; a lock file that is
# replaced while we take it is not trusted; a live socket of another
# service at the path is left alone, at start-up and on reload.
. "$(dirname "$0")/lib.sh"

useradd_tmp=udsgw-tsd$$
useradd -M -U -s /usr/sbin/nologin "$useradd_tmp" ||
    { notok "sockdir: useradd"; exit 1; }
trap 'userdel "$useradd_tmp" 2>/dev/null; groupdel "$useradd_tmp" 2>/dev/null; cleanup' EXIT
U=$useradd_tmp

# one_listener FILE SOCKET: a policy with one echo listener.
one_listener() {
	printf 'listener a {\n\tpath\t%s\n\tservice\techo\n\tallow\tany\n}\n' \
	    "$2" >"$1"
}
# refused WHAT SOCKET MESSAGE: the daemon exits non-zero, says MESSAGE,
# and creates nothing next to SOCKET.
refused() {
	one_listener "$T/r.policy" "$2"
	timeout 20 "$BIN" -f "$T/r.policy" 2>"$T/r.log"
	rc=$?
	check "$1: refused (exit $rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
	check "$1: says '$3'" grep -q "$3" "$T/r.log"
	grep -q "$3" "$T/r.log" || sed 's/^/#   /' "$T/r.log"
	check "$1: nothing created" [ -z "$(ls -A "$(dirname "$2")")" ]
}

# The socket's own directory writable by others, even with the sticky
# bit: another user could create and flock a.sock.lock there first.
mkdir "$T/sticky" && chmod 1777 "$T/sticky"
refused "sticky world-writable directory" "$T/sticky/a.sock" \
    "directory $T/sticky is writable by group or others"
mkdir "$T/gsticky" && chmod 1775 "$T/gsticky"
refused "sticky group-writable directory" "$T/gsticky/a.sock" \
    "writable by group or others"
# What it prevents: a lock file pre-created and held by another user.
setpriv --reuid="$U" --regid="$U" --clear-groups \
    flock -n "$T/sticky/a.sock.lock" sleep 60 &
HOLDER=$!; STARTED_PIDS="$STARTED_PIDS $HOLDER"
# Probe without creating the file (a probe that created and briefly
# locked it first would make the squatter's own flock -n fail).
check "squatter holds a.sock.lock" wait_for 5 sh -c "exec 9<'$T/sticky/a.sock.lock' && ! flock -n 9"
one_listener "$T/s.policy" "$T/sticky/a.sock"
timeout 20 "$BIN" -f "$T/s.policy" 2>"$T/s.log"
check "squatted sticky directory: the error names the directory, not the lock" \
    sh -c "grep -q 'writable by group or others' '$T/s.log' && ! grep -q 'held by another' '$T/s.log'"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null

# Ancestors, not just the socket's own directory.
mkdir -p "$T/open/sub" && chmod 0777 "$T/open"
refused "world-writable ancestor" "$T/open/sub/a.sock" \
    "directory $T/open is writable by group or others"
mkdir -p "$T/theirs/sub" && chown "$U" "$T/theirs"
refused "ancestor owned by another user" "$T/theirs/sub/a.sock" \
    "directory $T/theirs is owned by uid"
mkdir -p "$T/real/sub" && ln -s real "$T/link" && chown -h "$U" "$T/link"
refused "symlinked ancestor owned by another user" "$T/link/sub/a.sock" \
    "$T/link is a symbolic link owned by uid"
# A sticky ancestor is fine when the next component is ours ...
mkdir -p "$T/tmpish/mine" && chmod 1777 "$T/tmpish"
one_listener "$T/ok.policy" "$T/tmpish/mine/a.sock"
start_gw "$T/ok.policy"
check "sticky ancestor, own directory below it: accepted" [ -S "$T/tmpish/mine/a.sock" ]
stop_gw TERM
# ... and not when it is someone else's.
mkdir -p "$T/tmpish/other/sub" && chown "$U" "$T/tmpish/other"
refused "sticky ancestor, next component another user's" \
    "$T/tmpish/other/sub/a.sock" "directory $T/tmpish/other is owned by uid"
# A root-owned symlink on the way (as /var/run is) is followed.
mkdir -p "$T/real2/sub" && ln -s real2 "$T/rlink"
one_listener "$T/ok2.policy" "$T/rlink/sub/a.sock"
start_gw "$T/ok2.policy"
check "root-owned symlinked ancestor: accepted" [ -S "$T/real2/sub/a.sock" ]
stop_gw TERM

# A live socket of another service at the path: refused, untouched.
mkdir "$T/live"
socat UNIX-LISTEN:"$T/live/other.sock",fork SYSTEM:'echo other-service' \
    2>/dev/null &
OTHER=$!; STARTED_PIDS="$STARTED_PIDS $OTHER"
wait_for 5 test -S "$T/live/other.sock" || notok "other service listening"
ino=$(stat -c %i "$T/live/other.sock")
one_listener "$T/l.policy" "$T/live/other.sock"
timeout 20 "$BIN" -f "$T/l.policy" 2>"$T/l.log"
rc=$?
check "live socket at the path: refused (exit $rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "live socket: clear error" grep -q "other.sock is a live socket" "$T/l.log"
check "live socket: same inode" [ "$(stat -c %i "$T/live/other.sock")" = "$ino" ]
out=$(socat -t 5 - UNIX-CONNECT:"$T/live/other.sock" </dev/null 2>/dev/null)
check "live socket: the other service still answers" [ "$out" = other-service ]
# On reload: a new listener at the other service's path fails the reload.
cat >"$T/rl.policy" <<EOP
listener a {
	path	$T/live/ours.sock
	service	echo
	allow	any
}
EOP
start_gw "$T/rl.policy" || notok "live socket: daemon start"
cat >>"$T/rl.policy" <<EOP
listener b {
	path	$T/live/other.sock
	service	echo
	allow	any
}
EOP
kill -HUP "$GW_PID"
check "reload onto a live socket: reload failed" \
    wait_for 10 grep -q 'reload failed' "$GW_LOG"
check "reload onto a live socket: says why" grep -q "other.sock is a live socket" "$GW_LOG"
check "reload onto a live socket: same inode" [ "$(stat -c %i "$T/live/other.sock")" = "$ino" ]
out=$(socat -t 5 - UNIX-CONNECT:"$T/live/other.sock" </dev/null 2>/dev/null)
check "reload onto a live socket: the other service still answers" [ "$out" = other-service ]
out=$(printf 'still' | socat -t 5 - UNIX-CONNECT:"$T/live/ours.sock")
check "reload onto a live socket: the old policy still serves" [ "$out" = still ]
stop_gw TERM
kill "$OTHER" 2>/dev/null; wait "$OTHER" 2>/dev/null

# The lock file race. Instance B opens x.sock.lock while A holds it and
# is stopped right there (strace delivers SIGSTOP as openat returns); A
# exits, unlinking its lock; C starts with a new lock file. B then
# flocks the unlinked file: it must see that this is not the lock at the
# path any more, take the real one, find it held by C, and give up.
if ! command -v strace >/dev/null 2>&1; then
	ok "# SKIP lock race: no strace"
	exit 0
fi
mkdir "$T/race"
one_listener "$T/x.policy" "$T/race/x.sock"
start_gw "$T/x.policy" || notok "race: A start"
A=$GW_PID
# -P matches the O_PATH open of the directory (1st) and openat() relative
# to it (2nd: the lock file); the signal is acted on as the call returns.
strace -o "$T/strace.out" -P "$T/race" -e trace=openat \
    -e inject=openat:signal=SIGSTOP:when=2 "$BIN" -f "$T/x.policy" \
    2>"$T/b.log" &
SP=$!; STARTED_PIDS="$STARTED_PIDS $SP"
stopped() {
	B=$(pgrep -P "$SP") && [ -n "$B" ] &&
	    case $(awk '{ print $3 }' "/proc/$B/stat") in [tT]) true ;; *) false ;; esac
}
check "race: B stopped after opening the lock" wait_for 10 stopped
check "race: ... at the openat of x.sock.lock" \
    sh -c "grep 'openat' '$T/strace.out' | tail -n 1 | grep -q 'x.sock.lock'"
STARTED_PIDS="$STARTED_PIDS $B"
GW_PID=$A; stop_gw TERM
check "race: A exited and removed its lock" [ ! -e "$T/race/x.sock.lock" ]
start_gw "$T/x.policy" || notok "race: C start"
C=$GW_PID
inoc=$(stat -c %i "$T/race/x.sock")
kill -CONT "$B"
check "race: B gives up" wait_for 10 sh -c "! kill -0 $SP 2>/dev/null"
check "race: B says the lock is held" grep -q "x.sock.lock is held by another process" "$T/b.log"
check "race: C's socket untouched" [ "$(stat -c %i "$T/race/x.sock")" = "$inoc" ]
out=$(printf 'c' | socat -t 5 - UNIX-CONNECT:"$T/race/x.sock")
check "race: C serves" [ "$out" = c ]
kill -KILL "$B" "$SP" 2>/dev/null; wait "$SP" 2>/dev/null
GW_PID=$C; stop_gw TERM
check "race: C exits 0" [ "$GW_STATUS" -eq 0 ]
