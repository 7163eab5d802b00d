# sd_notify without libsystemd: a python3 AF_UNIX datagram listener (a
# path, then an abstract @name) receives READY=1 (after the workers are
# sandboxed), RELOADING=1 with MONOTONIC_USEC on SIGHUP, READY=1 again,
# then STOPPING=1, in that order; a failed reload still ends in READY=1.
. "$(dirname "$0")/lib.sh"

cat >"$T/recv.py" <<'EOP'
import socket, sys, time
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.settimeout(1)
end = time.monotonic() + 40
with open(out + ".tmp", "w") as f:
    pass
import os
os.rename(out + ".tmp", out)
with open(out, "a") as f:
    while time.monotonic() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        now = int(time.monotonic() * 1000000)
        f.write("%d %s\n" % (now, m.replace("\n", "|")))
        f.flush()
        if "STOPPING=1" in m:
            break
EOP
cat >"$T/p.policy" <<EOP
workers 2
listener web {
	path	$T/web.sock
	service	http
	allow	any
}
EOP

# run_notify ADDR LABEL
run_notify() {
	addr=$1; lbl=$2; M=$T/msgs.$lbl
	python3 "$T/recv.py" "$addr" "$M" &
	RP=$!; STARTED_PIDS="$STARTED_PIDS $RP"
	wait_for 5 test -e "$M" || { notok "$lbl: receiver"; return; }
	NOTIFY_SOCKET=$addr start_gw "$T/p.policy" ||
	    { notok "$lbl: daemon start"; return; }
	check "$lbl: READY=1 received" wait_for 5 grep -q 'READY=1' "$M"
	sandboxed=1
	for w in $(workers_of "$GW_PID"); do
		[ "$(proc_field "$w" Seccomp)" = 2 ] &&
		    [ "$(proc_field "$w" NoNewPrivs)" = 1 ] || sandboxed=0
	done
	check "$lbl: workers sandboxed when READY=1 arrived" [ $sandboxed = 1 ]
	check "$lbl: NOTIFY_SOCKET not passed to workers" \
	    sh -c "! tr '\\0' '\\n' </proc/\$(pgrep -P $GW_PID | head -1)/environ | grep -q NOTIFY_SOCKET"
	kill -HUP "$GW_PID"
	check "$lbl: READY=1 again after the reload" \
	    wait_for 10 sh -c "[ \$(grep -c 'READY=1' '$M') -ge 2 ]"
	# a failed reload: RELOADING=1, then READY=1 (old policy serving)
	cp "$T/p.policy" "$T/p.good"
	echo 'bogus key' >>"$T/p.policy"
	kill -HUP "$GW_PID"
	check "$lbl: READY=1 after a failed reload" \
	    wait_for 10 sh -c "[ \$(grep -c 'READY=1' '$M') -ge 3 ]"
	cp "$T/p.good" "$T/p.policy"
	stop_gw TERM
	check "$lbl: exit 0" [ "$GW_STATUS" -eq 0 ]
	check "$lbl: STOPPING=1 received" wait_for 5 grep -q 'STOPPING=1' "$M"
	wait "$RP" 2>/dev/null
	seq=$(grep -o 'READY=1\|RELOADING=1\|STOPPING=1' "$M" | tr '\n' ' ')
	echo "# $lbl: $seq"
	check "$lbl: order READY RELOADING READY RELOADING READY STOPPING" \
	    [ "$seq" = "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 STOPPING=1 " ]
	# MONOTONIC_USEC: digits, CLOCK_MONOTONIC (close to the receive time)
	mono_ok=1
	grep 'RELOADING=1' "$M" | while read -r now msg; do
		u=$(echo "$msg" | sed -n 's/.*MONOTONIC_USEC=\([0-9][0-9]*\).*/\1/p')
		[ -n "$u" ] || exit 1
		d=$((now - u)); [ $d -lt 0 ] && d=$((-d))
		[ $d -lt 5000000 ] || exit 1
	done || mono_ok=0
	check "$lbl: RELOADING=1 carries a CLOCK_MONOTONIC MONOTONIC_USEC" \
	    [ $mono_ok = 1 ]
	check "$lbl: STATUS= with counters" grep -q 'STATUS=.*requests' "$M"
}

run_notify "$T/notify.sock" path
run_notify "@udsgw-test-notify-$$" abstract
