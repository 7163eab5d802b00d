# lib.sh: helpers for the system tests. Sourced by every t_*.sh.
# Each test prints "ok - what" or "not ok - what" lines; run.sh counts them.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$TOP/build/uds-gateway}
PROBE=${PROBE:-$TOP/build/seccomp_probe}
T=$(mktemp -d /tmp/udsgw-test.XXXXXX)
chmod 0755 "$T"
GW_PID=
STARTED_PIDS=
# Set by the sanitizer run (tests/check.d/45-asan-daemon.sh), empty
# otherwise: more daemon arguments (--no-seccomp), the Seccomp mode its
# workers must show (the seccomp tests read EXPECT_SECCOMP), and
# GW_SAN_CHECK=1: every daemon log is searched for sanitizer reports.
GW_ARGS=${GW_ARGS:-}
EXPECT_SECCOMP=${EXPECT_SECCOMP:-2}
GW_SAN_CHECK=${GW_SAN_CHECK:-}

# The default worker user when root runs the daemon without a 'user'
# key, as the package's sysusers file creates it.
if ! id -u uds-gateway >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin --user-group uds-gateway ||
	    echo "not ok - create the uds-gateway user"
fi

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check WHAT CMD...: ok if CMD succeeds.
check() { what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

# An ASan or UBSan report, or a worker that aborted (abort_on_error=1),
# in any daemon log of this test is a failure.
SAN_PATTERN='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer|killed by signal 6'
san_check() {
	if grep -qsE "$SAN_PATTERN" "$T"/*.log; then
		grep -hE -A12 "$SAN_PATTERN" "$T"/*.log | head -60 | sed 's/^/#   /'
		notok "sanitizers: no report in the daemon logs"
	else
		ok "sanitizers: no report in the daemon logs"
	fi
}

cleanup() {
	for p in $STARTED_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -z "$GW_SAN_CHECK" ] || san_check
	rm -rf "$T"
}
trap cleanup EXIT

# wait_for SECONDS CMD...: poll CMD every 50 ms, bounded.
wait_for() {
	n=$(($1 * 20)); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# start_gw POLICY [ARGS...]: start the daemon, wait for "ready:".
# Sets GW_PID and GW_LOG. Returns 1 if it did not become ready.
start_gw() {
	pol=$1; shift
	GW_LOG=$T/gw.$$.$(date +%s%N).log
	# shellcheck disable=SC2086 # GW_ARGS: words, or nothing
	"$BIN" -f "$pol" $GW_ARGS "$@" 2>"$GW_LOG" &
	GW_PID=$!
	STARTED_PIDS="$STARTED_PIDS $GW_PID"
	if ! wait_for 10 grep -qs 'ready:' "$GW_LOG"; then
		echo "# daemon did not become ready; log:"; sed 's/^/#   /' "$GW_LOG"
		return 1
	fi
	return 0
}

# stop_gw [SIGNAL]: stop it and wait; sets GW_STATUS.
stop_gw() {
	kill "-${1:-TERM}" "$GW_PID" 2>/dev/null
	n=200
	while kill -0 "$GW_PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.05; n=$((n - 1))
	done
	wait "$GW_PID" 2>/dev/null
	GW_STATUS=$?
}

workers_of() { pgrep -P "$1" | tr '\n' ' '; }

# proc_field PID FIELD: the first value of FIELD in /proc/PID/status.
proc_field() { awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status"; }

# stat_of PATH: "owner group mode" of PATH.
stat_of() { stat -c '%U %G %a' "$1"; }

# echo_roundtrip SOCKET FILE: send FILE through the echo socket, compare.
echo_roundtrip() {
	socat -t 30 -T 30 - "UNIX-CONNECT:$1" <"$2" >"$2.back" 2>/dev/null &&
	    cmp -s "$2" "$2.back"
}
