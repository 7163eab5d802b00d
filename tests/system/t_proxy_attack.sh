# service proxy against the attacks of its first review (a recorder,
# http_rec.py, as the upstream; hostile clients in proxy_attack.py):
#  - objects freed by one event while their own event waits later in the
#    same epoll round (client hang-ups, tunnels, pooled connections): a
#    bounded stress run of cut, pipelined, streamed and upgraded requests;
#    the worker must live through it and answer afterwards;
#  - api_version_prefix skips what Docker's router skips (/v[0-9.]+): a
#    denied path behind /v1.41.0/, /v./ and the like is still denied and
#    never reaches the upstream;
#  - a query-pinned route (kill?signal=SIGHUP) does not match a request
#    with a body (Go merges a form body into the query's values);
#  - X_Peer_Uid and other spellings that CGI/WSGI servers read as
#    X-Peer-* never reach the upstream;
#  - a client that never reads its answer is closed after stream_timeout
#    and idle_timeout;
#  - a client that leaves mid-request still gets its audit record (499).
. "$(dirname "$0")/lib.sh"
R="/usr/bin/python3 $TOP/tests/system/http_rec.py"
A="/usr/bin/python3 $TOP/tests/system/proxy_attack.py"
UP=$T/up
mkdir -p "$UP" && chmod 0755 "$UP"

$R serve --unix "$UP/rec.sock" --log "$UP/rec.log" --ready "$UP/rec.ready" \
    --dir "$UP" &
STARTED_PIDS="$STARTED_PIDS $!"
wait_for 10 test -e "$UP/rec.ready" ||
    { notok "proxy attack: recorder start"; exit 1; }
: >"$UP/release"	# /chunked answers at once

cat >"$T/p.policy" <<EOP
user	uds-gateway
upstream rec {
	unix	$UP/rec.sock
	keepalive 8
}
listener web {
	path	$T/web.sock
	service	proxy
	upstream rec
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	audit	all
	route	*	/secret/**	deny any
	route	*	/**		allow any
}
listener api {
	path	$T/api.sock
	service	proxy
	upstream rec
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	audit	all
	api_version_prefix yes
	route	POST	/containers/*/kill?signal=SIGHUP	allow any
	route	POST	/containers/*/kill		deny any
	route	POST	/containers/create		deny any
	route	*	/**				allow any
}
listener slow {
	path	$T/slow.sock
	service	proxy
	upstream rec
	allow	any
	workers	1
	idle_timeout	1s
	stream_timeout	1s
	route	*	/**		allow any
}
EOP
start_gw "$T/p.policy" || { notok "proxy attack: daemon start"; exit 1; }
LOG=$GW_LOG

ck() { check "$1" $R check "$2" "$3"; }
n_rec() { grep -c -e "$1" "$UP/rec.log" 2>/dev/null || :; }
# status SOCKET RAW: the status of the one answer to RAW ("none" if none).
status() {
	$R req -t 3 -n 1 "$1" "$2" >"$T/st.out" 2>&1
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.startswith("{") and "status" in json.loads(l):
        print(json.loads(l)["status"]); sys.exit()
print("none")' "$T/st.out"
}
# expect WHAT WANT SOCKET RAW
expect() {
	got=$(status "$3" "$4")
	if [ "$got" = "$2" ]; then ok "$1: $2"
	else notok "$1: want $2, got $got"; fi
}

# --- api_version_prefix: Docker's /v{version:[0-9.]+} ----------------------
J='Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
expect "version prefix: /v1.41/containers/create denied" 403 "$T/api.sock" \
    "POST /v1.41/containers/create HTTP/1.1\\r\\nHost: x\\r\\n$J"
for v in /v1.41.0 /v. /v1..41 /v1.41. /v41 /v1 /v1.41.0.0 /v1.41%2e0 \
    /v1.4%31; do
	expect "version prefix: $v/containers/create denied" 403 \
	    "$T/api.sock" \
	    "POST $v/containers/create HTTP/1.1\\r\\nHost: x\\r\\n$J"
done
expect "version prefix: /containers/create (no version) denied" 403 \
    "$T/api.sock" "POST /containers/create HTTP/1.1\\r\\nHost: x\\r\\n$J"
expect "version prefix: /v1.41.0/containers/json allowed" 200 "$T/api.sock" \
    'GET /v1.41.0/containers/json HTTP/1.1\r\nHost: x\r\n\r\n'
check "version prefix: no create request reached the upstream" \
    [ "$(n_rec 'containers/create')" -eq 0 ]
check "version prefix: the allowed one did" \
    [ "$(n_rec '"target": "/v1.41.0/containers/json"')" -eq 1 ]

# --- a query-pinned route and a body ----------------------------------------
K='POST /v1.41/containers/c1/kill?signal=SIGHUP HTTP/1.1\r\nHost: x\r\n'
expect "pinned query: kill?signal=SIGHUP without a body allowed" 200 \
    "$T/api.sock" "$K\\r\\n"
expect "pinned query: kill?signal=SIGKILL denied" 403 "$T/api.sock" \
    'POST /v1.41/containers/c1/kill?signal=SIGKILL HTTP/1.1\r\nHost: x\r\n\r\n'
expect "pinned query: kill?signal=SIGHUP with a form body signal=SIGKILL denied" \
    403 "$T/api.sock" \
    "${K}Content-Type: application/x-www-form-urlencoded\\r\\nContent-Length: 14\\r\\n\\r\\nsignal=SIGKILL"
expect "pinned query: kill?signal=SIGHUP with a chunked body denied" 403 \
    "$T/api.sock" \
    "${K}Content-Type: application/x-www-form-urlencoded\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\ne\\r\\nsignal=SIGKILL\\r\\n0\\r\\n\\r\\n"
expect "pinned query: kill?signal=SIGHUP with an empty chunked body denied" \
    403 "$T/api.sock" "${K}Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n"
check "pinned query: only the bodiless SIGHUP reached the upstream" \
    [ "$(n_rec '/kill')" -eq 1 -a "$(n_rec 'SIGKILL')" -eq 0 ]

# --- X-Peer-* spellings from the client ---------------------------------------
setpriv --reuid=64301 --regid=64301 --clear-groups $R req -n 1 "$T/web.sock" \
    'GET /id HTTP/1.1\r\nHost: x\r\nX_Peer_Uid: 0\r\nX-Peer_Uid: 0\r\nX_PEER-GID: 0\r\nx_peer_groups: 0\r\nX_Peer_Pid: 1\r\nX-PEER-UID: 0\r\nX_Peer_Other: 1\r\n\r\n' \
    >"$T/peer.out"
ck "X_Peer_*: the upstream got only the gateway's own X-Peer-* fields" \
    "$T/peer.out" \
    "r[0]['status'] == 200 and sorted(k.lower() for k, v in u['headers'] if k.lower().replace('_', '-').startswith('x-peer-')) == ['x-peer-gid', 'x-peer-groups', 'x-peer-pid', 'x-peer-uid'] and H('X-Peer-Uid') == ['64301'] and H('X-Peer-Gid') == ['64301']"

# --- the audit record of a client that leaves mid-request ---------------------
setpriv --reuid=64302 --regid=64302 --clear-groups $A hold "$T/api.sock" \
    'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nkill' 1 &
hp=$!; STARTED_PIDS="$STARTED_PIDS $hp"
wait_for 5 grep -qs '"target": "/slow"' "$UP/rec.log"
wait "$hp" 2>/dev/null
audit499() { grep -qs '"uid":64302,.*"method":"POST","path":"/slow".*"decision":"allow","status":499' "$LOG"; }
if wait_for 5 audit499; then
	ok "client gone mid-request: audit record, status 499"
else
	notok "client gone mid-request: audit record, status 499"
	grep '64302' "$LOG" | sed 's/^/#   /'
fi

# --- a client that never reads: closed after stream_timeout + idle_timeout ---
$A slowread "$T/slow.sock" 'GET /big?8000000 HTTP/1.1\r\nHost: x\r\n\r\n' 4 \
    >"$T/slowread.out"
ck "a client that never reads a big answer is closed (stream 1s, idle 1s)" \
    "$T/slowread.out" "u.get('end') == 'closed'"

# --- the stress run: the worker lives through it -------------------------------
before=$(workers_of "$GW_PID")
$A stress "$T/web.sock" 8 8 >"$T/stress.out"
ck "stress: clients got answers" "$T/stress.out" "u['answers'] > 50"
after=$(workers_of "$GW_PID")
check "stress: the same worker and connector processes ($before)" \
    [ "$before" = "$after" ]
if grep -qsE 'worker [0-9]+ (killed by signal|exited)' "$LOG"; then
	notok "stress: no worker killed or exited"
	grep -E 'worker [0-9]+ (killed by signal|exited)' "$LOG" |
	    head -5 | sed 's/^/#   /'
else
	ok "stress: no worker killed or exited"
fi
expect "stress: a request after it is answered" 200 "$T/web.sock" \
    'GET /after HTTP/1.1\r\nHost: x\r\n\r\n'
expect "stress: a denied one too" 403 "$T/web.sock" \
    'GET /secret/after HTTP/1.1\r\nHost: x\r\n\r\n'

stop_gw
check "daemon stops cleanly (status $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
