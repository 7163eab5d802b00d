# Per-listener workers, seen from outside: each listener's workers are
# its own (count, name, user), hold its listening socket and no other,
# see only its counters (unless metrics_all), cannot signal another
# listener's workers when the users differ; a stopped worker is
# replaced; the parent starts with clean descriptors, seals the counters
# and enters the chroot through a descriptor; --no-seccomp is not in the
# release binary.
. "$(dirname "$0")/lib.sh"

S=$$
UA=udsgw-la-$S UB=udsgw-lb-$S
for u in $UA $UB; do
	useradd -M -U -r -s /usr/sbin/nologin "$u" ||
	    { notok "listeners: useradd $u"; exit 1; }
done
users_cleanup() {
	for u in $UA $UB; do
		userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null
	done
}
trap 'restore_chroot; users_cleanup; cleanup' EXIT
CH=/run/uds-gateway/empty
restore_chroot() {
	if [ -L "$CH" ] && [ -d "$CH.t_listeners.$S" ]; then
		rm -f "$CH" && mv "$CH.t_listeners.$S" "$CH"
	fi
}

cat >"$T/p.policy" <<EOP
workers 1
listener a {
	path	$T/a-$S.sock
	service	http
	user	$UA
	allow	any
}
listener b {
	path	$T/b-$S.sock
	service	http
	user	$UB
	workers	2
	allow	any
}
listener mon {
	path	$T/mon-$S.sock
	service	http
	metrics_all yes
	allow	uid 0
}
EOP
# Started with stdin and stdout closed and an unrelated descriptor open.
exec 7>"$T/inherited"
GW_LOG=$T/gw.log
"$BIN" -f "$T/p.policy" 0<&- 1>&- 2>"$GW_LOG" &
GW_PID=$!
exec 7>&-
STARTED_PIDS="$STARTED_PIDS $GW_PID"
if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
	sed 's/^/#   /' "$GW_LOG"; notok "listeners: daemon ready"; exit 1
fi
ok "listeners: daemon ready"

# --- the parent's descriptors ----------------------------------------------
check "parent: closed stdin reopened on /dev/null" [ "$(readlink /proc/$GW_PID/fd/0)" = /dev/null ]
check "parent: closed stdout reopened on /dev/null" [ "$(readlink /proc/$GW_PID/fd/1)" = /dev/null ]
check "parent: stderr is still the log" [ "$(readlink /proc/$GW_PID/fd/2)" = "$GW_LOG" ]
leaked=$(for f in /proc/$GW_PID/fd/*; do readlink "$f"; done | grep -c "$T/inherited")
check "parent: the inherited descriptor was closed ($leaked left)" [ "$leaked" = 0 ]
check "parent: counters memfds sealed against shrink, grow and new seals" python3 - "$GW_PID" <<'EOP'
import fcntl, os, sys
pid = sys.argv[1]
F_GET_SEALS, SEAL, SHRINK, GROW = 1034, 1, 2, 4
n = 0
for fd in os.listdir(f"/proc/{pid}/fd"):
    p = f"/proc/{pid}/fd/{fd}"
    try:
        t = os.readlink(p)
    except OSError:
        continue
    if not t.startswith("/memfd:uds-gateway-metrics"):
        continue
    f = os.open(p, os.O_RDONLY)
    s = fcntl.fcntl(f, F_GET_SEALS)
    os.close(f)
    if s & (SEAL | SHRINK | GROW) != SEAL | SHRINK | GROW:
        sys.exit(1)
    n += 1
sys.exit(0 if n >= 3 else 1)	# read-write and read-only: same inodes
EOP

# --- each listener's workers -----------------------------------------------
# comm and owner of every child: "uds-gw:a 1234 uid"
kids() {
	for w in $(workers_of "$GW_PID"); do
		echo "$(cat /proc/$w/comm) $w $(proc_field "$w" Uid)"
	done
}
kids >"$T/kids"
sed 's/^/# /' "$T/kids"
na=$(grep -c '^uds-gw:a ' "$T/kids"); nb=$(grep -c '^uds-gw:b ' "$T/kids")
nm=$(grep -c '^uds-gw:mon ' "$T/kids")
check "workers: a has 1 (global workers), b 2 (its own), mon 1 ($na $nb $nm)" \
    [ "$na" = 1 -a "$nb" = 2 -a "$nm" = 1 ]
check "workers: argv names the listener too" grep -q '^uds-gw:b' /proc/$(awk '$1 == "uds-gw:b" { print $2; exit }' "$T/kids")/cmdline
wa=$(awk '$1 == "uds-gw:a" { print $2; exit }' "$T/kids")
wb=$(awk '$1 == "uds-gw:b" { print $2; exit }' "$T/kids")
wb2=$(awk '$1 == "uds-gw:b" { print $2 }' "$T/kids" | tail -n 1)
check "workers: a runs as $UA" [ "$(proc_field "$wa" Uid)" = "$(id -u $UA)" ]
check "workers: b runs as $UB" [ "$(proc_field "$wb" Uid)" = "$(id -u $UB)" ]

# The inode of each listening socket, from /proc/net/unix (the name it
# was bound to: the socket path, or the temporary name it was renamed
# from, relative to its directory), and the socket inodes each worker
# holds.
sock_ino() {
	awk -v p="$1" -v t=".${1##*/}.tmp" '$8 == p || $8 == t { print $7; exit }' /proc/net/unix
}
holds() { # PID INODE
	for f in /proc/$1/fd/*; do readlink "$f"; done 2>/dev/null |
	    grep -qx "socket:\[$2\]"
}
ia=$(sock_ino "$T/a-$S.sock"); ib=$(sock_ino "$T/b-$S.sock"); im=$(sock_ino "$T/mon-$S.sock")
check "sockets: inodes known ($ia $ib $im)" [ -n "$ia" -a -n "$ib" -a -n "$im" ]
check "sockets: a's worker holds a's listening socket" holds "$wa" "$ia"
check "sockets: a's worker holds neither b's nor mon's" sh -c "! holds_b=\$(for f in /proc/$wa/fd/*; do readlink \"\$f\"; done 2>/dev/null | grep -x 'socket:\[\($ib\|$im\)\]')"
check "sockets: b's worker holds b's and not a's" sh -c "for f in /proc/$wb/fd/*; do readlink \"\$f\"; done 2>/dev/null | grep -qx 'socket:\[$ib\]' && ! { for f in /proc/$wb/fd/*; do readlink \"\$f\"; done 2>/dev/null | grep -qx 'socket:\[$ia\]'; }"

# --- /metrics: the serving listener only, unless metrics_all ---------------
curl -s -m 5 --unix-socket "$T/a-$S.sock" http://x/healthz >/dev/null
curl -s -m 5 --unix-socket "$T/b-$S.sock" http://x/healthz >/dev/null
curl -s -m 5 --unix-socket "$T/a-$S.sock" http://x/metrics >"$T/ma"
curl -s -m 5 --unix-socket "$T/mon-$S.sock" http://x/metrics >"$T/mm"
check "metrics on a: a's counters" grep -q 'listener="a"' "$T/ma"
check "metrics on a: nothing of b or mon" sh -c "! grep -q 'listener=\"\(b\|mon\)\"' '$T/ma'"
check "metrics_all on mon: a, b and mon" sh -c "grep -q 'listener=\"a\"' '$T/mm' && grep -q 'listener=\"b\"' '$T/mm' && grep -q 'listener=\"mon\"' '$T/mm'"
ca=$(awk '$1 == "uds_gateway_connections_total{listener=\"a\"}" { print $2 }' "$T/mm")
check "metrics_all: a's connections counted, read live ($ca)" [ "${ca:-0}" -ge 2 ]

# --- signals between listeners' workers ------------------------------------
# A worker's user can signal a process of the same user (the control: a
# second worker of b), never one of another user (a worker of a).
check "signals: $UB can signal b's other worker (same user)" \
    setpriv --reuid="$UB" --regid="$UB" --clear-groups kill -0 "$wb2"
out=$(setpriv --reuid="$UB" --regid="$UB" --clear-groups kill -TERM "$wa" 2>&1); rc=$?
check "signals: $UB cannot signal a's worker (rc $rc: $out)" [ "$rc" -ne 0 ]
check "signals: a's worker still there" kill -0 "$wa"

# serves SOCKET: /healthz answers within 20 tries of 1 s (a worker is
# being replaced; wait_for would retry a 1 s curl 200 times).
serves() {
	n=20
	while [ $n -gt 0 ]; do
		[ "$(curl -s -m 1 --unix-socket "$1" http://x/healthz)" = ok ] && return 0
		sleep 0.2; n=$((n - 1))
	done
	return 1
}

# --- a worker that wrecks its counters' layout and dies -------------------
# The counters region is writable by the listener's workers: as a
# compromised worker would, zero its header (through the parent's
# read-write descriptor, the same pages), then let the worker die. Its
# successor must start (the parent writes the layout back first) and the
# other listeners never notice.
for i in 1 2 3 4 5 6 7; do curl -s -m 5 --unix-socket "$T/a-$S.sock" http://x/healthz >/dev/null; done
check "wreck: zeroed a's counters header" python3 - "$GW_PID" <<'EOP'
import os, struct, sys
pid = sys.argv[1]
best = None
for fd in os.listdir(f"/proc/{pid}/fd"):
    p = f"/proc/{pid}/fd/{fd}"
    try:
        if not os.readlink(p).startswith("/memfd:uds-gateway-metrics"):
            continue
        flags = int(open(f"/proc/{pid}/fdinfo/{fd}").read().split("flags:")[1].split()[0], 8)
    except (OSError, IndexError, ValueError):
        continue
    if flags & 3 != os.O_RDWR:
        continue
    with open(p, "rb") as f:
        hdr = f.read(32)
    total = struct.unpack_from("<Q", hdr, 24)[0]	# l[0].conn_total
    if total >= 7 and (best is None or total > best[1]):
        best = (p, total)
if best is None:
    sys.exit(1)
with open(best[0], "r+b") as f:
    f.write(b"\0" * 16)			# magic, nlisteners, size
EOP
wa=$(for w in $(workers_of "$GW_PID"); do [ "$(cat /proc/$w/comm)" = uds-gw:a ] && echo "$w"; done | head -n 1)
kill -KILL "$wa"
check "wreck: a serves again" serves "$T/a-$S.sock"
check "wreck: its successor did not refuse the layout" sh -c "! grep -q 'bad metrics layout' '$GW_LOG'"
check "wreck: b still serves" [ "$(curl -s -m 5 --unix-socket "$T/b-$S.sock" http://x/healthz)" = ok ]
check "wreck: the daemon is still running" kill -0 "$GW_PID"

# --- a stopped worker is replaced ------------------------------------------
wa=$(for w in $(workers_of "$GW_PID"); do [ "$(cat /proc/$w/comm)" = uds-gw:a ] && echo "$w"; done | head -n 1)
kill -STOP "$wa"
check "stopped worker: logged" wait_for 5 grep -q "worker a#0 pid $wa stopped by signal" "$GW_LOG"
check "stopped worker: gone" wait_for 5 sh -c "! kill -0 $wa 2>/dev/null"
check "stopped worker: a serves again" serves "$T/a-$S.sock"

# --- the chroot is entered through the parent's descriptor -----------------
# Put a symbolic link to / where the chroot was: a worker started later
# still gets the original, empty directory as its root.
ino=$(stat -c %i "$CH")
wb=$(for w in $(workers_of "$GW_PID"); do [ "$(cat /proc/$w/comm)" = uds-gw:b ] && echo "$w"; done | head -n 1)
if mv "$CH" "$CH.t_listeners.$S" && ln -s / "$CH"; then
	kill -KILL "$wb"
	newb() { for w in $(workers_of "$GW_PID"); do
		[ "$(cat /proc/$w/comm 2>/dev/null)" = uds-gw:b ] && [ "$w" != "$wb" ] &&
		    [ "$w" != "$wb2" ] && echo "$w"; done | head -n 1; }
	wait_for 10 sh -c '[ -n "$1" ]' sh "$(newb)" >/dev/null
	n=50; while [ -z "$(newb)" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	nw=$(newb)
	wait_for 5 sh -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$nw/status" 2>/dev/null
	rino=$(stat -L -c %i "/proc/$nw/root" 2>/dev/null)
	check "chroot: a new worker ($nw) has the original directory as root ($rino = $ino), not the link" \
	    [ -n "$nw" -a "$rino" = "$ino" ]
	restore_chroot
else
	restore_chroot
	notok "chroot: could not swap $CH for a link"
fi
check "chroot: b serves" [ "$(curl -s -m 5 --unix-socket "$T/b-$S.sock" http://x/healthz)" = ok ]

stop_gw TERM
check "listeners: SIGTERM exit 0" [ "$GW_STATUS" -eq 0 ]

# --- --no-seccomp is not in the release binary -----------------------------
"$BIN" --no-seccomp -t -f "$T/p.policy" >/dev/null 2>&1; rc=$?
check "release binary: --no-seccomp is refused as usage (rc $rc)" [ "$rc" = 2 ]
check "release binary: no --no-seccomp string" sh -c "! grep -q -a 'no-seccomp' '$BIN'"

# --- workers are per listener: a policy that would start too many ----------
{
	echo "workers 64"
	for i in 1 2 3 4 5; do
		printf 'listener l%s {\n\tpath\t%s\n\tservice\techo\n\tallow\tany\n}\n' "$i" "$T/l$i.sock"
	done
} >"$T/many.policy"
out=$("$BIN" -t -f "$T/many.policy" 2>&1); rc=$?
check "-t: 5 listeners x 64 workers refused (rc $rc)" [ "$rc" = 1 ]
check "-t: says how many and the limit" sh -c "echo '$out' | grep -q 'starts 320 workers.*at most 256'"
