# check.d: system tests against an ASan+UBSan daemon
# The daemon built with -fsanitize=address,undefined into
# build-asan-daemon/ (with -DGW_SANITIZER_BUILD), then a representative
# subset of tests/system run against it. The workers run without their
# seccomp filter (--no-seccomp: ASan's runtime needs system calls the
# allowlist refuses), so the subset's Seccomp checks expect 0 here; the
# plain run of the same tests expects 2. A worker's ASan or UBSan report
# goes to its stderr, the IPC socket, and so into the parent's log; each
# test then searches its daemon logs (lib.sh san_check) and fails on a
# report or on a worker that aborted.
set -u
cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
B=build-asan-daemon
TESTS=${ASAN_DAEMON_TESTS:-"t_echo t_http_curl t_http_smuggle t_token t_access t_reload t_proxy_http t_proxy_attack t_proxy_docker"}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
start=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - asan daemon: the system tests need root"
	exit 1
fi
if $MAKE -s -j2 B=$B OPT="-O1 -g" SAN="$SAN" CFLAGS=-DGW_SANITIZER_BUILD \
    $B/uds-gateway >/tmp/uds-gw-asan-build.$$ 2>&1; then
	echo "ok - asan daemon: built ($B/uds-gateway, $SAN) in $(( $(date +%s) - start )) s"
else
	sed 's/^/# /' /tmp/uds-gw-asan-build.$$ | tail -30
	echo "not ok - asan daemon: build"
	rm -f /tmp/uds-gw-asan-build.$$
	exit 1
fi
rm -f /tmp/uds-gw-asan-build.$$

# abort_on_error: a report kills the worker by SIGABRT, which the
# parent logs too. No leak check: LeakSanitizer cannot stop the world in
# a chrooted, non-dumpable worker (the unit tests and fuzzers check leaks).
export ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=0:symbolize=0
export UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1
export BIN=$PWD/$B/uds-gateway GW_ARGS=--no-seccomp EXPECT_SECCOMP=0 \
    GW_SAN_CHECK=1
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
rc=0
for t in $TESTS; do
	echo "# $t (ASan+UBSan daemon)"
	t0=$(date +%s)
	timeout 300 sh "tests/system/$t.sh" >"$out" 2>&1
	trc=$?
	echo "# $t: $(( $(date +%s) - t0 )) s"
	sed 's/^\(not \)\{0,1\}ok - /&asan: /' "$out"
	if [ "$trc" -ne 0 ] || grep -q '^not ok' "$out"; then
		grep -q '^not ok' "$out" ||
		    echo "not ok - asan: $t exited $trc or timed out"
		rc=1
	fi
done
echo "# 45-asan-daemon.sh: $(( $(date +%s) - start )) s"
exit $rc
