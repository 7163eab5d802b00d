# check.d: fuzzing (clang, bounded)
# Build every fuzz/fuzz_*.c with libFuzzer + ASan + UBSan and fuzz each for
# FUZZ_SECONDS (default 25), two at a time. One "ok - fuzz <name>: ..." line
# per harness; a crash, leak, timeout or OOM is "not ok" and its input is
# kept in build/fuzz/artifacts/. See fuzz/README.md.
set -u
cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
FUZZ_SECONDS=${FUZZ_SECONDS:-25}
FUZZ_JOBS=${FUZZ_JOBS:-2}
start=$(date +%s)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Does clang link a libFuzzer + ASan + UBSan program?
have_libfuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    >"$tmp/t.c"
	clang -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" \
	    >/dev/null 2>&1
}

if ! have_libfuzzer; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "# installing clang and libclang-rt-14-dev"
		DEBIAN_FRONTEND=noninteractive apt-get -y -q \
		    --no-install-recommends install clang libclang-rt-14-dev \
		    >"$tmp/apt" 2>&1 || tail -5 "$tmp/apt" | sed 's/^/# /'
	fi
	if ! have_libfuzzer; then
		echo "not ok - fuzz: clang with libFuzzer (libclang-rt-14-dev) not available"
		exit 1
	fi
fi

if $MAKE -s -j"$FUZZ_JOBS" fuzz >"$tmp/build" 2>&1; then
	echo "ok - fuzz: harnesses built (clang -fsanitize=fuzzer,address,undefined)"
else
	sed 's/^/# /' "$tmp/build" | tail -30
	echo "not ok - fuzz: harnesses built"
	exit 1
fi

# Each fuzz-run-<name> prints its own ok / not ok line; -k runs them all.
touch "$tmp/mark"
$MAKE -s -k -j"$FUZZ_JOBS" fuzz-run FUZZ_SECONDS="$FUZZ_SECONDS" >"$tmp/run" 2>&1
frc=$?
grep -v '^make\(\[[0-9]*\]\)\?: \*\*\*' "$tmp/run"
rc=0
if [ "$frc" -ne 0 ] || grep -q '^not ok ' "$tmp/run"; then
	rc=1
	grep -q '^not ok ' "$tmp/run" || echo "not ok - fuzz-run: make exited $frc"
fi
new=$(find build/fuzz/artifacts -type f -newer "$tmp/mark" 2>/dev/null)
if [ -n "$new" ]; then
	echo "# crash inputs kept:"
	printf '%s\n' "$new" | sed 's/^/#   /'
fi

# Coverage of each parser by its in-tree corpus (informational).
if command -v llvm-cov-14 >/dev/null 2>&1 || command -v llvm-cov >/dev/null 2>&1; then
	$MAKE -s fuzz-cov 2>&1 | sed 's/^/# /'
fi
echo "# 40-fuzz.sh: $(( $(date +%s) - start )) s, FUZZ_SECONDS=$FUZZ_SECONDS, $FUZZ_JOBS at a time"
exit $rc
