# A process under the worker's filter dies with SIGSYS on execve,
# socket(AF_INET) and openat; allowed work runs.
. "$(dirname "$0")/lib.sh"

"$PROBE" ok >/dev/null 2>&1; rc=$?
check "probe under filter: allowed work exits 0 (got $rc)" [ "$rc" -eq 0 ]
# shutdown() other than SHUT_WR: one worker could stop a listening
# socket that the parent and every later generation share.
for mode in execve socket_inet openat shutdown_rd shutdown_rdwr; do
	"$PROBE" "$mode" >/dev/null 2>&1; rc=$?
	check "probe under filter: $mode killed by SIGSYS (status $rc = 128+31)" [ "$rc" -eq 159 ]
done
out=$("$PROBE" shutdown_wr 2>&1); rc=$?
check "probe under filter: shutdown(SHUT_WR) allowed (rc $rc, $out)" [ "$rc" -eq 0 -a "$out" = ok ]
# The parent names SIGSYS as a sandbox violation: covered by t_lifecycle.
check "print-seccomp lists the filter" sh -c "'$BIN' --print-seccomp | grep -q accept4"
