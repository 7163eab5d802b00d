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

# Without CAP_DAC_OVERRIDE (as in the packaged unit) the stale socket of
# a listener owned by another user is not writable by root: the stale
# probe connects with that owner's fsuid and still replaces it.
cat >"$T/o.policy" <<EOP
workers	1
listener echo {
	path	$T/owned.sock
	service	echo
	owner	nobody
	mode	0600
	allow	any
}
EOP
start_gw "$T/o.policy" || { notok "stale (owner nobody): daemon start"; exit 1; }
ino1=$(stat -c %i "$T/owned.sock")
ws=$(workers_of "$GW_PID")
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null
check "owner nobody: workers exit too" wait_for 5 gone
BIN0=$BIN
printf '#!/bin/sh\nexec setpriv --bounding-set -dac_override,-dac_read_search "%s" "$@"\n' \
    "$BIN0" >"$T/nodac"
chmod +x "$T/nodac"
BIN=$T/nodac
start_gw "$T/o.policy" || notok "owner nobody: restart without CAP_DAC_OVERRIDE"
BIN=$BIN0
check "owner nobody, no CAP_DAC_OVERRIDE: stale socket replaced (new inode)" \
    [ "$(stat -c %i "$T/owned.sock")" != "$ino1" ]
check "... logged as stale" grep -q "replaced a stale socket" "$GW_LOG"
stop_gw TERM
