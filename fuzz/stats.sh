#!/bin/sh
# stats.sh NAME LOG RC: one TAP line from a libFuzzer run's log (run with
# -print_final_stats=1) and its exit status; exits non-zero on a finding.
name=$1 log=$2 rc=$3

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(sed -n 's/^#[0-9]*.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 ft \2/p' "$log" | tail -1)
corp=$(sed -n 's/^#[0-9]*.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' "$log" | tail -1)
figures="${execs:-?} execs, ${eps:-?} exec/s, cov ${cov:-?}, corpus ${corp:-?}"

if [ "$rc" -eq 0 ] && ! grep -q '^==[0-9]*==ERROR\|runtime error:\|^SUMMARY: ' "$log"; then
	echo "ok - fuzz $name: $figures"
	exit 0
fi
# Why: the sanitizer's or libFuzzer's own summary line.
why=$(grep -m1 -E '^SUMMARY: |^==[0-9]+== ?ERROR: libFuzzer|runtime error:' "$log" |
    sed 's/^==[0-9]*== *//')
art=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" | tail -1)
echo "not ok - fuzz $name: ${why:-exit status $rc} (${art:-no artifact}); $figures; log $log"
sed -n '/^==[0-9]*==\(ERROR\|WARNING\)\|runtime error:/,/^SUMMARY/p' "$log" | head -20 | sed 's/^/# /'
exit 1
