# A stale socket left by kill -9 is replaced on restart; kill -9 of the
# parent leaves no worker behind.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
workers	2
listener echo {
	path	$T/echo.sock
	service	echo
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "stale: daemon start"; exit 1; }
ws=$(workers_of "$GW_PID")
ino1=$(stat -c %i "$T/echo.sock")
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null
gone() { for w in $ws; do kill -0 "$w" 2>/dev/null && return 1; done; return 0; }
check "kill -9 parent: workers exit too" wait_for 5 gone
check "stale socket left behind" [ -S "$T/echo.sock" ]
start_gw "$T/p.policy" || { notok "stale: restart"; exit 1; }
ino2=$(stat -c %i "$T/echo.sock")
check "restart replaced the stale socket (new inode)" [ "$ino1" != "$ino2" ]
check "restart logged the replacement" grep -q "replaced a stale socket" "$GW_LOG"
out=$(printf 'again' | socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
check "new socket serves" [ "$out" = again ]
stop_gw TERM
check "clean exit 0 after restart" [ "$GW_STATUS" -eq 0 ]
