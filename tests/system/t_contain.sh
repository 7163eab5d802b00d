# Containment of a compromised worker (issue 13). With the test-only hook
# (src/testhook.c, `make TESTHOOK=1 B=build-hook`) attacker code runs in a
# real, fully sandboxed worker of listener "pub" (allow any, mode 0666)
# and goes after listener "priv" (root only, mode 0600, its own token):
#  0. the release binary has no hook in it; the hook build has (control)
#  a. pub's worker holds no socket of priv's, and accept4() on every fd
#     but its own listener fails; a client of priv is served by priv
#  b. priv's token hash is not in pub's worker's memory (searched from
#     outside through /proc/PID/mem); pub's own is (control)
#  c. shutdown(listener, SHUT_RD) kills the worker (SIGSYS) and pub still
#     serves through a new worker
#  d. a raw EMERG record with embedded newlines and a forged journal line
#     comes out as one escaped line at a clamped priority
#  f. what the filter leaves it to look around with (fstat, fcntl,
#     getsockname, kill): passes today; a failure means a loosened filter
#  e. with per-listener users, pub's worker cannot signal priv's
# (a) to (e) failed where every worker held every listener, shutdown had
# no argument filter and worker records were logged verbatim (before
# issue 13): that is what they prove. (e) runs last: a daemon without a
# per-listener "user" refuses its policy.
. "$(dirname "$0")/lib.sh"

HOOKBIN=${HOOKBIN:-$TOP/build-hook/uds-gateway}
MEMSEARCH=$(dirname "$0")/memsearch.py
UA=udsgw-ca-$$	# our pid: concurrent runs do not collide
UB=udsgw-cb-$$
drop_ids() {
	for u in $UA $UB; do
		# Retried: another process may hold the /etc/passwd lock.
		for try in 1 2 3 4 5; do
			userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null
			getent passwd "$u" >/dev/null ||
			    getent group "$u" >/dev/null || break
			sleep 0.2
		done
	done
}
trap 'trap "" INT TERM HUP; cleanup; drop_ids' EXIT
trap 'exit 1' INT TERM HUP

# --- 0. the hook is in the test build only
if [ "${HOOKBIN}" = "$TOP/build-hook/uds-gateway" ]; then
	make -s -C "$TOP" -j2 TESTHOOK=1 B=build-hook build-hook/uds-gateway \
	    >"$T/make.out" 2>&1 || { sed 's/^/# /' "$T/make.out"; }
fi
[ -x "$HOOKBIN" ] || { notok "contain: hook build $HOOKBIN"; exit 1; }
hook_free() {
	! strings -a "$1" | grep -qiE 'testhook|UDSGW_TESTHOOK' &&
	    ! nm "$1" 2>/dev/null | grep -qi testhook
}
REL=$TOP/build/uds-gateway
check "release binary exists: $REL" [ -x "$REL" ]
check "release binary has no test hook (strings, symbols): $REL" hook_free "$REL"
if [ "$BIN" != "$REL" ]; then
	check "binary under test has no test hook: $BIN" hook_free "$BIN"
fi
check "hook build has the hook (control): env name and testhook_run" sh -c \
    "strings -a '$HOOKBIN' | grep -q UDSGW_TESTHOOK && nm '$HOOKBIN' | grep -q ' T testhook_run\$'"

# --- helpers
TA=pub-token-$$-$(date +%s%N); TB=priv-token-$$-$(date +%s%N)
HA=$(printf '%s' "$TA" | "$REL" hash-token); HA=${HA#sha256:}
HB=$(printf '%s' "$TB" | "$REL" hash-token); HB=${HB#sha256:}
# hexof STRING: the bytes of STRING (here: a hash's hex text) in hex.
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# policy FILE [PRIV_USER]: pub and priv, one worker each.
policy() {
	{
		echo "workers 1"
		[ -n "${2:-}" ] && echo "user $UA"
		cat <<EOP
listener pub {
	path	$T/pub.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
	token	sha256:$HA
}
listener priv {
	path	$T/priv.sock
	service	http
	mode	0600
	allow	user root
	token	sha256:$HB
EOP
		[ -n "${2:-}" ] && printf '\tuser\t%s\n' "$2"
		echo "}"
	} >"$1"
}

# start_hooked POLICY SPEC [journal [ARGS...]]: the hook build with
# UDSGW_TESTHOOK=SPEC; "journal": stderr is a journal stream (JOURNAL_STREAM
# names the log file), so that the parent writes "<N>" priorities.
start_hooked() {
	pol=$1; spec=$2; js=
	GW_LOG=$T/gw.$(date +%s%N).log
	: >"$GW_LOG"
	[ "${3:-}" = journal ] && js=$(stat -c %d:%i "$GW_LOG")
	shift 2
	[ $# -ge 1 ] && shift
	JOURNAL_STREAM=$js UDSGW_TESTHOOK=$spec "$HOOKBIN" -f "$pol" "$@" \
	    2>>"$GW_LOG" &
	GW_PID=$!
	STARTED_PIDS="$STARTED_PIDS $GW_PID"
	if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
		echo "# daemon did not become ready; log:"
		sed 's/^/#   /' "$GW_LOG"
		return 1
	fi
	INO_pub=$(listen_inode "$T/pub.sock")
	INO_priv=$(listen_inode "$T/priv.sock")
}

# listen_inode PATH: the socket inode of the listener bound at PATH (ss
# shows the bound file's inode, which the rename into place keeps).
listen_inode() {
	vi=$(stat -c %i "$1") || return 1
	ss -xlne 2>/dev/null | awk -v v="ino:$vi" \
	    '{ for (i = 1; i <= NF; i++) if ($i == v) { print $6; exit } }'
}
# holds PID INODE: PID has the socket INODE open.
holds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$2\]"; }

# worker_of NAME: the pid of a worker serving listener NAME: the one
# named "uds-gw:NAME" (comm, 15 bytes), else the first that holds NAME's
# listening socket, INO_NAME (workers not named; every worker holds every
# socket).
worker_of() {
	want=$(printf 'uds-gw:%s' "$1" | cut -c1-15)
	for p in $(pgrep -P "$GW_PID"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$want" ] &&
		    { echo "$p"; return 0; }
	done
	eval "li=\${INO_$1:-}"
	for p in $(pgrep -P "$GW_PID"); do
		[ -n "$li" ] && holds "$p" "$li" && { echo "$p"; return 0; }
	done
	return 1
}
# new_worker_of NAME OLDPID: succeeds once NAME has a worker but OLDPID.
new_worker_of() { w=$(worker_of "$1"); [ -n "$w" ] && [ "$w" != "$2" ]; }

# trigger LINE: the first connection to pub; the hook reads LINE.
trigger() {
	printf '%s\n' "$1" | socat -t 10 - "UNIX-CONNECT:$T/pub.sock" \
	    >"$T/trigger.out" 2>&1
}
logged() { wait_for 5 grep -q -- "$1" "$GW_LOG"; }
# serves SOCKET TOKEN: an authorised GET / gets the hello JSON.
serves() {
	curl -s --max-time 10 --unix-socket "$1" -H "Authorization: Bearer $2" \
	    http://gw/ 2>/dev/null | grep -q '"message"'
}

policy "$T/p.policy"

# --- a and b: pub's worker, its descriptors and its memory
start_hooked "$T/p.policy" 'listener=pub;at=conn;list_fds;accept_all' ||
    { notok "contain: daemon start"; exit 1; }
WP=$(worker_of pub); WQ=$(worker_of priv)
echo "# pub's worker $WP ($(cat /proc/$WP/comm)), priv's worker $WQ"

python3 "$MEMSEARCH" "$WP" own="$HA" other="$HB" \
    ownhex="$(hexof "$HA")" otherhex="$(hexof "$HB")" >"$T/mem" 2>&1
rc=$?
sed 's/^/# memsearch: /' "$T/mem"
check "b: the worker's memory was read (rc $rc)" [ "$rc" -eq 0 ]
check "b: pub's own token hash is in its worker's memory (control)" \
    grep -q '^own found' "$T/mem"
check "b: priv's token hash (32 bytes) is not in pub's worker's memory" \
    grep -qx 'other absent' "$T/mem"
check "b: priv's token hash as hex text is not either" \
    grep -qx 'otherhex absent' "$T/mem"

LP=$INO_pub; LQ=$INO_priv
echo "# listening socket inodes: pub $LP, priv $LQ"
both_found() {
	[ -n "$LP" ] && [ -n "$LQ" ] && [ "$LP" != "$LQ" ] &&
	    holds "$GW_PID" "$LP" && holds "$GW_PID" "$LQ"
}
check "a: both listening sockets found, held by the parent (control)" both_found
check "a: pub's worker holds pub's listening socket (control)" holds "$WP" "$LP"
check "a: pub's worker does not hold priv's listening socket" \
    sh -c "! ls -l /proc/$WP/fd | grep -q 'socket:\[$LQ\]'"

# A client of priv, with priv's token, connected and its request sent
# before the attacker acts.
cat >"$T/victim.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /secret HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " +
          sys.argv[2].encode() + b"\r\nConnection: close\r\n\r\n")
open(sys.argv[3] + ".sent", "w").close()
s.settimeout(20)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except OSError:
    pass
open(sys.argv[3], "wb").write(data)
EOF
python3 "$T/victim.py" "$T/priv.sock" "$TB" "$T/victim" &
VP=$!; STARTED_PIDS="$STARTED_PIDS $VP"
wait_for 10 [ -e "$T/victim.sent" ] || echo "# victim did not connect"
trigger testhook
check "a: the hook ran in pub's worker (control)" logged 'testhook: accept_all:'
grep 'testhook: ' "$GW_LOG" | sed 's/^/# /'
check "a: the hook saw its own listener (control)" \
    grep -q 'testhook: fd [0-9]*: socket (own listener)' "$GW_LOG"
check "a: accept4 on every fd but its own fails: nothing accepted" \
    grep -q 'testhook: accept_all: [0-9]* fds tried, 0 accepted' "$GW_LOG"
check "a: ... and no other fd is a listening socket (no EAGAIN)" \
    sh -c "! grep -qE 'testhook: accept4 fd [0-9]+: (accepted|EAGAIN)' '$GW_LOG'"
check "a: priv's client's token did not reach pub's worker" \
    sh -c "! grep -q 'Bearer $TB' '$GW_LOG'"
n=200; while kill -0 "$VP" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
check "a: priv's client got priv's real answer, not a forged one" \
    sh -c "grep -q '\"message\"' '$T/victim' && ! grep -q forged '$T/victim'"
stop_gw TERM

# --- c. shutdown(SHUT_RD) on the listening socket
start_hooked "$T/p.policy" 'listener=pub;at=conn' ||
    { notok "contain: daemon start (c)"; exit 1; }
WP=$(worker_of pub)
trigger 'testhook shutdown_rd'
logged 'testhook: shutdown(fd [0-9]*, SHUT_RD) \.\.\.'
check "c: shutdown(SHUT_RD) did not succeed" \
    sh -c "! grep -q 'testhook: shutdown(fd [0-9]*, SHUT_RD) = 0' '$GW_LOG'"
if wait_for 5 grep -q "worker $WP[^0-9].*SIGSYS" "$GW_LOG"; then
	ok "c: pub's worker $WP was killed by SIGSYS"
	check "c: a new worker serves pub" wait_for 10 new_worker_of pub "$WP"
else
	notok "c: pub's worker $WP was killed by SIGSYS"
	notok "c: a new worker serves pub (the old one lives on)"
fi
# The new worker's hook waits for its own trigger: let it go.
trigger testhook
check "c: the new worker's hook released" grep -q 'testhook: done' "$T/trigger.out"
check "c: pub still serves after the attack" serves "$T/pub.sock" "$TA"
grep -E 'testhook|SIGSYS|restart' "$GW_LOG" | sed 's/^/# /'
stop_gw TERM

# --- d. log injection: a raw EMERG record, newlines, a forged line
for mode in journal plain; do
	start_hooked "$T/p.policy" 'listener=pub;log_emerg' "$mode" ||
	    { notok "contain: daemon start (d, $mode)"; continue; }
	logged 'testhook: done'
	grep -E 'forged|log_emerg|: x$' "$GW_LOG" | sed 's/^/# /'
	check "d ($mode): the record was sent (control)" \
	    grep -q 'testhook: log_emerg: sent' "$GW_LOG"
	check "d ($mode): exactly one line holds its forged part" \
	    [ "$(grep -c 'reloaded: forged' "$GW_LOG")" -eq 1 ]
	check "d ($mode): no line ends at its embedded newline (': x')" \
	    sh -c "! grep -q ': x\$' '$GW_LOG'"
	check "d ($mode): its newline is escaped, in the same line" \
	    grep -qE 'x.+<0>uds-gateway\[1\]: reloaded: forged' "$GW_LOG"
	check "d ($mode): no line starts with the forged text" \
	    sh -c "! grep -qE '^(<[0-9]>)?uds-gateway\[1\]' '$GW_LOG'"
	if [ "$mode" = journal ]; then
		check "d: priorities are written in journal mode (control)" \
		    grep -q '^<6>ready:' "$GW_LOG"
		p=$(sed -n 's/^<\([0-7]\)>.*reloaded: forged.*/\1/p' "$GW_LOG" |
		    head -1)
		check "d: the record's priority is clamped (<${p:-none}>, not 0, 1 or 2)" \
		    [ "${p:-0}" -ge 3 ]
	fi
	stop_gw TERM
done

# --- f. what the filter leaves an attacker for looking around: fstat is
# soft-denied; fcntl, getsockname and kill kill the worker (named in
# --seccomp-debug mode). One call per worker: each new worker's hook
# waits for its own trigger, and the one that survives serves.
start_hooked "$T/p.policy" 'listener=pub;at=conn' "" --seccomp-debug ||
    { notok "contain: daemon start (f)"; exit 1; }
for call in fcntl getsockname kill fstat; do
	WP=$(worker_of pub)
	case $call in
	kill)	trigger "testhook kill=$GW_PID:0" ;;
	*)	trigger "testhook try=$call" ;;
	esac
	case $call in
	fstat)	check "f: fstat in the worker fails with EACCES" \
		    logged 'testhook: try fstat = -1 EACCES' ;;
	*)	check "f: $call kills the worker (SIGSYS)" \
		    logged "blocked syscall [0-9]* ($call)"
		wait_for 10 new_worker_of pub "$WP" ;;
	esac
done
stop_gw TERM

# --- e. workers of different listeners, different users, no signals
drop_ids
if ! useradd -M -U -s /usr/sbin/nologin "$UA" ||
    ! useradd -M -U -s /usr/sbin/nologin "$UB"; then
	notok "e: useradd $UA $UB"
	exit 1
fi
policy "$T/pe.policy" "$UB"
if ! start_hooked "$T/pe.policy" 'listener=pub;at=conn'; then
	notok "e: a policy with a per-listener user starts"
	exit 1
fi
WP=$(worker_of pub); WQ=$(worker_of priv)
check "e: pub and priv have workers of their own ($WP, $WQ)" \
    sh -c "[ -n '$WP' ] && [ -n '$WQ' ] && [ '$WP' != '$WQ' ]"
check "e: pub's worker runs as $UA" [ "$(proc_field "$WP" Uid)" = "$(id -u "$UA")" ]
check "e: priv's worker runs as $UB" [ "$(proc_field "$WQ" Uid)" = "$(id -u "$UB")" ]
trigger "testhook kill=$WQ:STOP;kill=$WQ:TERM"
logged "testhook: kill($WQ, STOP) \.\.\."
check "e: pub's worker could not signal priv's (EPERM, or SIGSYS: kill is not in the filter)" \
    wait_for 5 grep -qE "testhook: kill\($WQ, STOP\) = -1 EPERM|worker $WP[^0-9].*SIGSYS" "$GW_LOG"
check "e: no kill() succeeded" sh -c "! grep -q 'testhook: kill($WQ, [A-Z]*) = 0' '$GW_LOG'"
check "e: priv's worker is alive and not stopped" \
    sh -c "kill -0 $WQ && [ \"\$(awk '\$1 == \"State:\" { print \$2 }' /proc/$WQ/status)\" != T ]"
check "e: priv still serves" serves "$T/priv.sock" "$TB"
# Behind the filter, the uids: even unsandboxed, pub's user cannot
# signal priv's worker; priv's own user can (control).
check "e: a process as $UA gets EPERM signalling priv's worker" \
    sh -c "! setpriv --reuid=$UA --regid=$UA --clear-groups kill -0 $WQ 2>/dev/null"
check "e: a process as $UB may (control: the uid is what refuses)" \
    setpriv --reuid="$UB" --regid="$UB" --clear-groups kill -0 "$WQ"
grep -E 'testhook|SIGSYS' "$GW_LOG" | sed 's/^/# /'
stop_gw TERM
