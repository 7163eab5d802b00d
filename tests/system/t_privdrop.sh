# Workers: non-zero uid/gid, no capabilities in any set, NoNewPrivs 1,
# Seccomp 2 (filter), chrooted, no core dumps; the parent checks the same.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
user	nobody
workers	2
listener echo {
	path	$T/echo.sock
	service	echo
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "privdrop: daemon start"; exit 1; }
ws=$(workers_of "$GW_PID")
n=0
for w in $ws; do
	n=$((n + 1))
	uid=$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' /proc/$w/status)
	gid=$(awk '$1 == "Gid:" { print $2 $3 $4 $5 }' /proc/$w/status)
	nobody=$(id -u nobody); nogroup=$(id -g nobody)
	check "worker $n: Uid all $nobody" [ "$uid" = "$nobody$nobody$nobody$nobody" ]
	check "worker $n: Gid all $nogroup" [ "$gid" = "$nogroup$nogroup$nogroup$nogroup" ]
	for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
		check "worker $n: $cap is 0" [ "$(proc_field $w $cap)" = "0000000000000000" ]
	done
	check "worker $n: NoNewPrivs 1" [ "$(proc_field $w NoNewPrivs)" = 1 ]
	check "worker $n: Seccomp 2" [ "$(proc_field $w Seccomp)" = 2 ]
	check "worker $n: Groups only the worker gid" [ "$(awk '$1 == "Groups:" { print $2 }' /proc/$w/status)" = "$nogroup" ]
	check "worker $n: root is the empty chroot" [ "$(readlink /proc/$w/root)" = /run/uds-gateway/empty ]
	check "worker $n: core dumps off" [ "$(awk '/^Max core file size/ { print $5 }' /proc/$w/limits)" = 0 ]
	check "worker $n: not dumpable (/proc owned by root)" [ "$(stat -c %u /proc/$w/status)" = 0 ]
done
check "privdrop: 2 workers running" [ "$n" -eq 2 ]
# Echo still works from behind all that.
out=$(printf 'x' | socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
check "privdrop: sandboxed worker echoes" [ "$out" = x ]
stop_gw TERM
