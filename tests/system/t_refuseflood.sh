# Refusals do not take a listener's capacity. On a listener of 16
# connections, uid 100000 holds its cap of 4 and, with uid 100001 (no
# rule: denied), opens connections without end from four processes,
# each with up to 32 connects queued and the refused ones kept open;
# meanwhile every one of 20 requests from root, a real client with a
# normal timeout (curl --max-time 5), is answered. Refused connections
# used to hold a slot each while lingering (up to 2 s), so the flood
# kept the listener full and root waited behind it.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
workers 2
listener h {
	path	$T/h.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	uid 0
	allow	uid 100000
	max_connections	16
	max_connections_per_uid 4
}
listener mon {
	path	$T/mon.sock
	service	http
	allow	uid 0
	metrics_all yes
}
EOP
start_gw "$T/p.policy" || { notok "refuseflood: daemon start"; exit 1; }
metric() {
	curl -s --max-time 5 --unix-socket "$T/mon.sock" http://x/metrics |
	    awk -v m="$1" '$1 == m { print $2 }'
}

# The holder: 4 answered keep-alive connections of uid 100000, kept.
python3 - "$T/h.sock" "$T/held" <<'EOF' &
import os, socket, sys, time
note = open(sys.argv[2], "w")		# before giving up root
os.setgroups([])
os.setresgid(100000, 100000, 100000)
os.setresuid(100000, 100000, 100000)
held = []
for i in range(4):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    if not s.recv(4096).startswith(b"HTTP/1.1 200 "):
        sys.exit(1)
    held.append(s)
note.write("held\n")
note.close()
time.sleep(120)
EOF
holder=$!
STARTED_PIDS="$STARTED_PIDS $holder"
wait_for 10 grep -qs held "$T/held"
check "uid 100000 holds its 4 connections" grep -qs held "$T/held"

# A flooder: UID, connects without end until $T/stop exists (60 s at
# most); up to 32 queued, refused ones kept open (64 at most).
flood() {
	python3 - "$T/h.sock" "$T/stop" "$1" "$T/flood.$2" <<'EOF'
import os, socket, sys, time
path, stop, uid = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = open(sys.argv[4], "w")		# before giving up root
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
queued, kept, n, ok = [], [], 0, 0
end = time.monotonic() + 60
while not os.path.exists(stop) and time.monotonic() < end:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        queued.append(s)
    except OSError:
        s.close()
    if len(queued) >= 32 or not queued:
        s = queued.pop(0) if queued else None
        if s is None:
            continue
        try:
            if s.recv(64).startswith(b"HTTP/1.1 200 "):
                ok += 1
        except OSError:
            pass
        n += 1
        kept.append(s)
        if len(kept) > 64:
            kept.pop(0).close()
out.write("%d %d\n" % (n, ok))
out.close()
EOF
}
for i in 1 2; do
	flood 100000 "c$i" &
	STARTED_PIDS="$STARTED_PIDS $!"
	FLOODERS="${FLOODERS:-} $!"
	flood 100001 "r$i" &
	STARTED_PIDS="$STARTED_PIDS $!"
	FLOODERS="$FLOODERS $!"
done
# Wait until the flood is on: refusals of both kinds are being counted
# (/metrics counts every denial; the log has at most 5 lines per uid per
# 10 s per worker, then "suppressed N" summaries).
refusals() { metric "uds_gateway_denials_total{listener=\"h\",reason=\"$1\"}"; }
flood_on() {
	[ "$(refusals uid_limit)" -gt 100 ] 2>/dev/null &&
	    [ "$(refusals default)" -gt 100 ] 2>/dev/null
}
wait_for 10 flood_on

served=0
for i in $(seq 20); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    --unix-socket "$T/h.sock" http://x/healthz)
	[ "$code" = 200 ] && served=$((served + 1))
done
before=$(refusals uid_limit)
: >"$T/stop"
for p in $FLOODERS; do wait "$p"; done
check "flood: refusals at the cap counted during root's requests ($before)" \
    [ "$before" -gt 100 ]
check "flood: every root request answered 200 ($served of 20)" \
    [ "$served" -eq 20 ]
nok=$(cat "$T"/flood.* 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
nall=$(cat "$T"/flood.* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
check "flood: none of $nall flood connections was served ($nok)" \
    [ "$nall" -gt 0 -a "$nok" -eq 0 ]
# Once the flooders are gone, only the holder's 4 connections are open:
# no refusal kept a slot.
wait_for 5 sh -c "[ \"\$(curl -s --max-time 5 --unix-socket '$T/mon.sock' http://x/metrics |
    awk '\$1 == \"uds_gateway_connections_open{listener=\\\"h\\\"}\" { print \$2 }')\" = 4 ]"
open=$(metric 'uds_gateway_connections_open{listener="h"}')
check "flood over: 4 connections open on h, the holder's ($open)" [ "$open" = 4 ]
kill "$holder" 2>/dev/null
stop_gw TERM
check "SIGTERM: exit 0" [ "$GW_STATUS" -eq 0 ]
