#!/bin/sh
# check.sh: the whole test suite, as run by `make check` and CI.
# Ends with one line "N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
JOBS=${JOBS:-2}
pass=0
fail=0
failed_names=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
notok() { fail=$((fail + 1)); failed_names="$failed_names $1"; echo "not ok - $1"; }

step() { echo; echo "=== $*"; }

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
run_cmocka() {
	label=$1; shift
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED|  OK  |ERROR)' | grep -v '^\[       OK' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		printf '%s\n' "$out" | tail -20
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_names="$failed_names $label"
	echo "$label: $p passed, $f failed"
}

build() {
	label=$1; shift
	if $MAKE -s -j"$JOBS" "$@" >/tmp/uds-gw-build.$$ 2>&1; then
		ok "build: $label"
	else
		cat /tmp/uds-gw-build.$$
		notok "build: $label"
	fi
	rm -f /tmp/uds-gw-build.$$
}

step "build (gcc, clang, WITH_OPENSSL=0) and lint"
build "gcc" all unit replay
build "clang" CC=clang B=build-clang all unit replay
build "gcc WITH_OPENSSL=0" WITH_OPENSSL=0 B=build-nossl all unit
if $MAKE -s lint; then ok "lint: banned functions"; else notok "lint"; fi
# The hardening flags really reached the binary.
hardened() {
	readelf -h "$1" | grep -q 'Type:[[:space:]]*DYN' &&
	    readelf -l "$1" | grep -q GNU_RELRO &&
	    readelf -d "$1" | grep -q 'BIND_NOW' &&
	    readelf -s --wide "$1" | grep -q '__stack_chk_fail' &&
	    readelf -s --wide "$1" | grep -q '__[a-z]*_chk@'
}
check_hardened() {
	if hardened "$1"; then ok "hardening of $1: PIE, full RELRO, stack protector, fortify"
	else notok "hardening of $1"; fi
}
check_hardened build/uds-gateway
check_hardened build-clang/uds-gateway

step "unit tests (gcc -O2)"
for t in build/test_*; do
	[ -x "$t" ] && run_cmocka "unit $(basename "$t")" "$t"
done

step "unit tests, WITH_OPENSSL=0"
for t in build-nossl/test_*; do
	[ -x "$t" ] && run_cmocka "unit-nossl $(basename "$t")" "$t"
done

step "unit tests under ASan + UBSan"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
build "asan+ubsan" B=build-asan OPT="-O1 -g" SAN="$SAN" unit replay
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in build-asan/test_*; do
	[ -x "$t" ] && run_cmocka "asan $(basename "$t")" "$t"
done

step "unit tests under valgrind (leaks are errors)"
if command -v valgrind >/dev/null 2>&1; then
	for t in build/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		    --error-exitcode=99 "$t" >/tmp/uds-gw-vg.$$ 2>&1; then
			ok "valgrind $n"
		else
			tail -30 /tmp/uds-gw-vg.$$
			notok "valgrind $n"
		fi
	done
	rm -f /tmp/uds-gw-vg.$$
else
	notok "valgrind not installed"
fi

step "fuzz corpora replayed (gcc, and ASan+UBSan)"
for r in build/replay_fuzz_* build-asan/replay_fuzz_*; do
	[ -x "$r" ] || continue
	h=${r##*/replay_fuzz_}
	if [ -d "fuzz/corpus/$h" ] && "$r" "fuzz/corpus/$h"; then
		ok "replay $r"
	else
		notok "replay $r"
	fi
done

# run_tap LABEL CMD...: a suite printing "ok - ..."/"not ok - ..." lines;
# a non-zero exit without a "not ok" line counts as one failure.
run_tap() {
	label=$1; shift
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_names="$failed_names $label"
}

step "system tests (root, real binary, real clients)"
if [ "$(id -u)" -eq 0 ]; then
	run_tap system sh tests/system/run.sh
else
	echo "system tests need root; run make check as root"
	notok "system tests skipped: not root"
fi

# Further suites (fuzzing, packages): each prints "ok - ..." and
# "not ok - ..." lines and exits non-zero on failure.
for x in tests/check.d/*.sh; do
	[ -f "$x" ] || continue
	step "$(sed -n 's/^# check.d: //p' "$x" | head -1) ($x)"
	run_tap "$x" sh "$x"
done

echo
[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
