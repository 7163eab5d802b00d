#!/bin/sh
# run.sh: every tests/system/t_*.sh, each bounded in time.
cd "$(dirname "$0")" || exit 1
rc=0
for t in t_*.sh; do
	echo "# $t"
	if ! timeout 300 sh "$t"; then
		echo "not ok - $t exited non-zero or timed out"
		rc=1
	fi
done
exit $rc
