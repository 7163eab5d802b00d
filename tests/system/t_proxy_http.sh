# service proxy in front of plain HTTP upstreams: a recorder that keeps
# the raw requests it got (http_rec.py, on a Unix socket and on
# 127.0.0.1) and a real nginx. Identity headers for two callers, copies
# sent by the client removed (also when named in Connection), hop-by-hop
# fields removed, request bodies re-framed (never CL and TE both), bodies
# exact; refused requests (route, CL+TE, bad targets) never reach the
# upstream; upstream keep-alive pooling; chunked, close-delimited and
# event streams arrive as they are written; HEAD/204/304 bodiless;
# upgrades tunnel both ways with half-close (h2c dropped); back-pressure
# both ways (no body buffered whole); 504 after stream_timeout, which is
# inactivity (a stream flows on); 502 when the upstream is gone; a POST
# whose pooled connection broke is not retried (a GET is, once);
# keepalive 0 and keepalive_timeout; identity_headers no; audit lines
# (each refusal from a uid of its own: the logs' per-uid rate limit);
# uds-gateway explain. About 10-20 s.
. "$(dirname "$0")/lib.sh"
R="/usr/bin/python3 $TOP/tests/system/http_rec.py"
UP=$T/up
mkdir -p "$UP" && chmod 0755 "$UP"

bg() { "$@" & BG=$!; STARTED_PIDS="$STARTED_PIDS $BG"; }
# recorder NAME ARGS...: a recorder in $UP/NAME.*, waited for; REC_PID.
recorder() {
	n=$1; shift
	bg $R serve "$@" --log "$UP/$n.log" --ready "$UP/$n.ready" --dir "$UP"
	REC_PID=$BG
	wait_for 10 test -e "$UP/$n.ready"
}
recorder rec --unix "$UP/rec.sock" || { notok "proxy http: recorder start"; exit 1; }
RPID=$REC_PID
recorder tcp --tcp "$UP/tcp.port" || { notok "proxy http: tcp recorder start"; exit 1; }
PORT=$(cat "$UP/tcp.port")
recorder slow --unix "$UP/slow.sock" || { notok "proxy http: recorder start"; exit 1; }

# nginx on a Unix socket: return 200 with the identity it was given.
NGINX=${NGINX:-/usr/sbin/nginx}
NGX_PID=
stop_nginx() {
	[ -n "$NGX_PID" ] || return 0
	kill -TERM "$NGX_PID" 2>/dev/null
	n=100
	while kill -0 "$NGX_PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.05; n=$((n - 1))
	done
	kill -KILL "$NGX_PID" 2>/dev/null
	wait "$NGX_PID" 2>/dev/null
	NGX_PID=
}
trap 'stop_nginx; cleanup' EXIT
mkdir -p "$T/ngx"
cat >"$T/nginx.conf" <<EOC
user www-data;
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/ngx/error.log info;
events { worker_connections 64; }
http {
	access_log $T/ngx/access.log;
	client_body_temp_path $T/ngx/body;
	proxy_temp_path $T/ngx/proxy;
	fastcgi_temp_path $T/ngx/fastcgi;
	uwsgi_temp_path $T/ngx/uwsgi;
	scgi_temp_path $T/ngx/scgi;
	server {
		listen unix:$UP/ngx.sock;
		location / {
			default_type text/plain;
			return 200 "uid=\$http_x_peer_uid gid=\$http_x_peer_gid groups=\$http_x_peer_groups uri=\$request_uri\n";
		}
	}
}
EOC
"$NGINX" -e "$T/ngx/error.log" -p "$T" -c "$T/nginx.conf" &
NGX_PID=$!
wait_for 10 test -S "$UP/ngx.sock" && chmod 0666 "$UP/ngx.sock" ||
    { notok "proxy http: nginx start"; sed 's/^/#   /' "$T/ngx/error.log"; }

cat >"$T/p.policy" <<EOP
user	uds-gateway
upstream rec {
	unix	$UP/rec.sock
	connect_timeout 2s
	keepalive 4
}
upstream rec0 {
	unix	$UP/rec.sock
	keepalive 0
}
upstream reckt {
	unix	$UP/rec.sock
	keepalive_timeout 500ms
}
upstream tcp {
	tcp	127.0.0.1:$PORT
}
upstream slow {
	unix	$UP/slow.sock
}
upstream ngx {
	unix	$UP/ngx.sock
}
upstream gone {
	unix	$UP/nothing-here.sock
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
	route	GET	/forbidden/**	deny any
	route	*	/**		allow any
}
listener ka0 {
	path	$T/ka0.sock
	service	proxy
	upstream rec0
	allow	any
	workers	1
	route	*	/**		allow any
}
listener kat {
	path	$T/kat.sock
	service	proxy
	upstream reckt
	allow	any
	workers	1
	route	*	/**		allow any
}
listener tcp {
	path	$T/tcp.sock
	service	proxy
	upstream tcp
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	route	*	/**		allow any
}
listener noid {
	path	$T/noid.sock
	service	proxy
	upstream rec
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	identity_headers no
	route	*	/**		allow any
}
listener slow {
	path	$T/slow.sock
	service	proxy
	upstream slow
	allow	any
	workers	1
	stream_timeout 1s
	route	*	/**		allow any
}
listener ngx {
	path	$T/ngx.sock
	service	proxy
	upstream ngx
	mode	0666
	allow_world_writable yes
	allow	any
	workers	1
	route	GET	/**		allow any
}
listener gone {
	path	$T/gone.sock
	service	proxy
	upstream gone
	allow	any
	workers	1
	route	*	/**		allow any
}
EOP
start_gw "$T/p.policy" || { notok "proxy http: daemon start"; exit 1; }

# Two callers: uids and groups of no account (the kernel's word is all
# the gateway and the upstream get).
UA=64101 GA=64101 SA=64111,64112
UB=64102 GB=64102
asA() { setpriv --reuid=$UA --regid=$GA --groups=$SA "$@"; }
asB() { setpriv --reuid=$UB --regid=$GB --clear-groups "$@"; }
# ck WHAT FILE EXPR: an http_rec.py check (see there) as a TAP line.
ck() { check "$1" $R check "$2" "$3"; }
n_log() { grep -c "$2" "$UP/$1.log" 2>/dev/null || :; }

# --- identity of two callers (curl, one request each); X-Peer-Pid is the
# client's own pid: setpriv execs curl (started as is: a function in the
# background would be a subshell of its own).
setpriv --reuid=$UA --regid=$GA --groups=$SA curl -sS -m 10 --unix-socket "$T/web.sock" http://localhost/id/a >"$T/a.json" &
pa=$!; wait $pa
setpriv --reuid=$UB --regid=$GB --clear-groups curl -sS -m 10 --unix-socket "$T/web.sock" http://localhost/id/b >"$T/b.json" &
pb=$!; wait $pb
ck "identity: caller A's uid, gid, pid, groups, each once" "$T/a.json" \
    "H('X-Peer-Uid') == ['$UA'] and H('X-Peer-Gid') == ['$GA'] and H('X-Peer-Pid') == ['$pa'] and len(H('X-Peer-Groups')) == 1 and sorted(H('X-Peer-Groups')[0].split(',')) == sorted('$SA'.split(','))"
ck "identity: caller B's uid, gid, pid, empty groups" "$T/b.json" \
    "H('X-Peer-Uid') == ['$UB'] and H('X-Peer-Gid') == ['$GB'] and H('X-Peer-Pid') == ['$pb'] and H('X-Peer-Groups') == ['']"
ck "identity: the target reached the upstream as sent" "$T/a.json" "u['target'] == '/id/a' and u['method'] == 'GET' and u['version'] == 'HTTP/1.1'"

# --- copies of X-Peer-* from the client, hop-by-hop fields
asA $R req -n 1 "$T/web.sock" 'GET /hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Custom-Hop, X-Peer-Uid\r\nX-Custom-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Foo: y\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\nX-Peer-Uid: 0\r\nX-Peer-Gid: 0\r\nX-Peer-Groups: 0\r\nX-Peer-Pid: 1\r\nx-peer-uid: 0\r\nX-Peer-Other: 1\r\nX-Keep: kept\r\n\r\n' >"$T/hop.out"
ck "spoof: client X-Peer-* copies removed, also when named in Connection" "$T/hop.out" \
    "r[0]['status'] == 200 and H('X-Peer-Uid') == ['$UA'] and H('X-Peer-Gid') == ['$GA'] and len(H('X-Peer-Pid')) == 1 and H('X-Peer-Pid') != ['1'] and H('X-Peer-Other') == []"
ck "hop-by-hop: Connection-named field, Keep-Alive, TE, Trailer, Proxy-*, Upgrade removed" "$T/hop.out" \
    "H('X-Custom-Hop') == [] and H('Keep-Alive') == [] and H('TE') == [] and H('Trailer') == [] and H('Proxy-Authorization') == [] and H('Proxy-Foo') == [] and H('Proxy-Connection') == [] and H('Upgrade') == []"
ck "hop-by-hop: Connection to the upstream names none of the client's fields" "$T/hop.out" \
    "all(v.strip().lower() in ('keep-alive', 'close') for v in H('Connection'))"
ck "end-to-end field kept" "$T/hop.out" "H('X-Keep') == ['kept'] and H('Host') == ['x']"

# --- request bodies: re-framed, exact, never CL and TE both
$R req -n 1 "$T/web.sock" 'POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n' >"$T/chunk.out"
ck "chunked body: upstream framing chunked or length, never both" "$T/chunk.out" \
    "u['framing'] in ('chunked', 'length') and len(H('Transfer-Encoding')) + len(H('Content-Length')) == 1"
ck "chunked body: exact bytes upstream" "$T/chunk.out" "u['body'] == 'hello world!'"
head -c 300000 /dev/urandom | base64 -w 0 >"$T/big"
curl -sS -m 20 --unix-socket "$T/web.sock" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" -o "$T/bigc.json" http://localhost/bigbody
ck "chunked 400 KB body (curl): exact bytes, one framing" "$T/bigc.json" \
    "u['body'] == open('$T/big').read() and len(H('Transfer-Encoding')) + len(H('Content-Length')) == 1"
curl -sS -m 20 --unix-socket "$T/web.sock" --data-binary @"$T/big" -o "$T/bigl.json" http://localhost/bigbody
ck "Content-Length body (curl): exact bytes, one framing" "$T/bigl.json" \
    "u['body'] == open('$T/big').read() and len(H('Transfer-Encoding')) + len(H('Content-Length')) == 1"

# --- refused before the upstream
# Each from a uid of its own: denials and invalid requests share the
# logs' per-uid rate limit (5 per 10 s), and each must have its audit line.
asN() { n=$1; shift; setpriv --reuid="$n" --regid="$n" --clear-groups "$@"; }
before=$(wc -l <"$UP/rec.log")
asN 64200 $R req -t 3 "$T/web.sock" 'POST /smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /forbidden/x HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/clte.out"
ck "CL+TE: 400, connection closed" "$T/clte.out" "[x['status'] for x in r] == [400] and end['end'] == 'eof'"
$R req -n 1 "$T/web.sock" 'GET /forbidden/x HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/deny.out"
ck "route deny: 403, JSON message" "$T/deny.out" \
    "r[0]['status'] == 403 and json.loads(r[0]['body'])['message'] == 'uds-gateway: forbidden by policy' and RH('Content-Type')[0].startswith('application/json')"
BADU=64200
for tgt in '/a%2Fb' '/a/../forbidden/x' '/a/%2e%2e/forbidden/x' '//forbidden/x' 'http://x/forbidden/x' '/a%00b'; do
	BADU=$((BADU + 1))
	asN $BADU $R req -t 3 "$T/web.sock" "GET $tgt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" >"$T/bad.out"
	ck "bad target $tgt: 400, connection closed" "$T/bad.out" "[x['status'] for x in r] == [400] and end['end'] == 'eof'"
done
after=$(wc -l <"$UP/rec.log")
check "refused requests never reached the upstream ($before -> $after)" [ "$before" = "$after" ]

# --- upstream keep-alive: 20 requests on 20 client connections
for i in $(seq 1 20); do
	curl -sS -m 10 --unix-socket "$T/web.sock" http://localhost/ka/$i
	echo
done >"$T/ka.out"
conns=$(python3 -c "import json,sys; print(len({json.loads(l)['conn'] for l in open(sys.argv[1]) if l.strip()}))" "$T/ka.out")
nreq=$(grep -c '"target": "/ka/' "$T/ka.out")
if [ "$nreq" -eq 20 ] && [ "$conns" -ge 1 ] && [ "$conns" -le 2 ]; then ok "keep-alive: 20 requests ($nreq) over $conns upstream connection(s)"; else notok "keep-alive: 20 requests ($nreq) over $conns upstream connection(s)"; fi

# --- streamed responses
rm -f "$UP/release"
$R stream "$T/web.sock" 'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n' 'first\n' "$UP/release" >"$T/st.out"
ck "chunked response: first chunk read before the upstream wrote the rest" "$T/st.out" \
    "r[0]['marker'] and r[0]['status'] == 200 and r[0]['body'] == 'first\\nsecond\\n'"
$R stream -t 3 "$T/web.sock" 'GET /sse HTTP/1.1\r\nHost: x\r\n\r\n' 'data: 3\n\n' - >"$T/sse.out"
ck "event stream: events arrive while the stream goes on" "$T/sse.out" "r[0]['marker'] and r[0]['head'].startswith('HTTP/1.1 200')"
$R req "$T/web.sock" 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/close.out"
ck "close-delimited response: whole body, then the connection closes" "$T/close.out" \
    "r[0]['status'] == 200 and r[0]['body'] == 'close-delimited body\\n' and end['end'] == 'eof'"
$R req -H -n 2 "$T/web.sock" 'HEAD /head HTTP/1.1\r\nHost: x\r\n\r\nGET /after-head HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/head.out"
ck "HEAD: no body, the next response on the connection intact" "$T/head.out" \
    "[x['status'] for x in r] == [200, 200] and r[0]['body'] == '' and json.loads(r[1]['body'])['target'] == '/after-head' and end['junk'] == 0"
$R req -n 3 "$T/web.sock" 'GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\nGET /notmodified HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/204.out"
ck "204 and 304: bodiless, the next response intact" "$T/204.out" \
    "[x['status'] for x in r] == [204, 304, 200] and json.loads(r[2]['body'])['target'] == '/after' and end['junk'] == 0"

# --- upgrades: a tunnel both ways after the upstream's 101, the bytes
# sent with the head first, half-close each way (the upstream says "bye"
# only after our EOF, and we read to its EOF); other protocols dropped.
for proto in tcp websocket; do
	$R tunnel "$T/web.sock" "GET /upgrade HTTP/1.1\\r\\nHost: x\\r\\nConnection: Upgrade\\r\\nUpgrade: $proto\\r\\n\\r\\n" 'with-the-head,' 'after-101\n' >"$T/up.out"
	ck "Upgrade: $proto: 101, bytes both ways, half-close both ways" "$T/up.out" \
	    "r[0]['status'] == 101 and r[0]['got'] == 'with-the-head,after-101\\nbye\\n' and r[0]['end'] == 'eof'"
done
$R req -n 1 "$T/web.sock" 'GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n' >"$T/h2c.out"
ck "Upgrade: h2c dropped: a plain request upstream, 200" "$T/h2c.out" \
    "r[0]['status'] == 200 and H('Upgrade') == [] and H('HTTP2-Settings') == [] and not [v for v in H('Connection') if 'upgrade' in v.lower()]"
before=$(wc -l <"$UP/rec.log")
$R tunnel "$T/web.sock" 'GET /forbidden/upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n' 'x' 'y' >"$T/upd.out"
ck "Upgrade on a denied route: 403, no tunnel" "$T/upd.out" "r[0]['status'] == 403"
check "Upgrade on a denied route: the upstream saw nothing" [ "$(wc -l <"$UP/rec.log")" -eq "$before" ]

# --- back-pressure, never a body buffered whole. Upload: the upstream
# reads none of a 1 GB body; in 2 s the client gets at most 16
# MiB past the gateway (socket buffers and the gateway's own). Download:
# a 64 MiB answer to a client that reads nothing for 2 s: the upstream
# gets at most 16 MiB out meanwhile; then all of it arrives.
$R push "$T/web.sock" 'POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n' 2 >"$T/push.out"
sent=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sent'])" "$T/push.out")
check "back-pressure: upload to an upstream that reads nothing held at $sent bytes (<= 16 MiB)" [ "$sent" -le 16777216 ]
rm -f "$UP/big.sent"
$R pull "$T/web.sock" 'GET /big?67108864 HTTP/1.1\r\nHost: x\r\n\r\n' 2 "$UP/big.sent" >"$T/pull.out"
held=$(cat "$UP/big.sent.held")
check "back-pressure: a 64 MiB answer to a client that reads nothing: the upstream held at $held bytes (<= 16 MiB)" [ "$held" -le 16777216 ]
ck "back-pressure: then all 64 MiB arrive" "$T/pull.out" "r[0]['status'] == 200 and r[0]['length'] == 67108864"

# --- an answer before the request's body was all sent (a 413): passed on
# with Connection: close, the connection closed (the rest of the body is
# never read); that upstream connection is not pooled: the next request
# goes out on a new one.
t0=$(date +%s%N)
$R req -t 5 "$T/web.sock" 'POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789' >"$T/early.out"
ms=$((($(date +%s%N) - t0) / 1000000))
ck "early 413: passed on with Connection: close, then EOF (${ms} ms)" "$T/early.out" \
    "[x['status'] for x in r] == [413] and r[0]['body'] == 'too large' and [v for v in RH('Connection') if 'close' in v.lower()] and end['end'] in ('eof', 'reset')"
econn=$(grep '"target": "/early"' "$UP/rec.log" | python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['conn'])")
$R req -n 1 "$T/web.sock" 'GET /after-early HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/aearly.out"
ck "early 413: the next request on another upstream connection than $econn" "$T/aearly.out" \
    "r[0]['status'] == 200 and u['conn'] != $econn"

# --- 504: the upstream never answers; stream_timeout 1s
t0=$(date +%s%N)
$R req -t 10 -n 1 "$T/slow.sock" 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/504.out"
ms=$((($(date +%s%N) - t0) / 1000000))
ck "504 after stream_timeout 1s (${ms} ms)" "$T/504.out" \
    "r[0]['status'] == 504 and json.loads(r[0]['body'])['message'] == 'uds-gateway: upstream timed out'"
if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then ok "504 came after about 1 s (${ms} ms)"; else notok "504 came after about 1 s (${ms} ms)"; fi
# stream_timeout is inactivity, not a fixed limit: an event stream (an
# event every 0.1 s) goes on past 2.5 s on the same listener.
$R stream -t 3 "$T/slow.sock" 'GET /sse HTTP/1.1\r\nHost: x\r\n\r\n' 'data: 25\n\n' - >"$T/sse25.out"
ck "stream_timeout 1s: an event stream still flows after 2.5 s" "$T/sse25.out" "r[0]['marker'] and r[0]['head'].startswith('HTTP/1.1 200')"

# --- a POST is never retried. A GET warms the pool; the POST goes out on
# that pooled connection (the recorder sees the same connection number),
# the upstream reads it all and closes without answering: 502, and the
# recorder saw the POST once (the gateway could not know whether it acted).
$R req -n 1 "$T/web.sock" 'GET /warm HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/warm.out"
wconn=$(python3 -c "import json,sys; print(json.loads(json.loads(open(sys.argv[1]).readline())['body'])['conn'])" "$T/warm.out")
$R req -n 1 "$T/web.sock" 'POST /drop HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\ndata' >"$T/drop.out"
ck "POST, upstream closed without answering: 502" "$T/drop.out" \
    "r[0]['status'] == 502 and json.loads(r[0]['body'])['message'] == 'uds-gateway: upstream unavailable'"
check "POST /drop reached the upstream exactly once" [ "$(n_log rec '"method": "POST", "target": "/drop"')" -eq 1 ]
pconn=$(grep '"target": "/drop"' "$UP/rec.log" | python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['conn'])")
check "POST /drop went out on the pooled connection (upstream conn $pconn, warm-up $wconn)" [ "$pconn" = "$wconn" ]
# The control: a GET without a body that failed the same way on a pooled
# connection is retried once, on a fresh one (so the check above can see
# a retry): the recorder gets it twice, on the warm-up's connection and a
# new one, and both drop it: 502.
$R req -n 1 "$T/web.sock" 'GET /warm2 HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/warm2.out"
wconn=$(python3 -c "import json,sys; print(json.loads(json.loads(open(sys.argv[1]).readline())['body'])['conn'])" "$T/warm2.out")
$R req -n 1 "$T/web.sock" 'GET /drop HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/dropg.out"
ck "GET, pooled and a fresh connection both closed without answering: 502" "$T/dropg.out" "r[0]['status'] == 502"
gconns=$(grep '"method": "GET", "target": "/drop"' "$UP/rec.log" | python3 -c "import json,sys; print(' '.join(str(json.loads(l)['conn']) for l in sys.stdin))")
check "GET /drop retried once: upstream connections $gconns, the first the pooled $wconn" python3 -c "
import sys
c = [int(x) for x in sys.argv[1].split()]
sys.exit(not (len(c) == 2 and c[0] == $wconn and c[1] > c[0]))" "$gconns"

# --- keepalive 0: a connection per request, and a GET that fails is not
# retried (no pooled connection failed); keepalive_timeout 500ms: an idle
# connection is not used after it.
conn_of() { python3 -c "import json,sys; print(json.loads(json.loads(open(sys.argv[1]).readline())['body'])['conn'])" "$1"; }
$R req -n 1 "$T/ka0.sock" 'GET /k0a HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/k0a.out"
$R req -n 1 "$T/ka0.sock" 'GET /k0b HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/k0b.out"
k0a=$(conn_of "$T/k0a.out"); k0b=$(conn_of "$T/k0b.out")
check "keepalive 0: a new upstream connection per request ($k0a, $k0b)" [ "$k0b" -gt "$k0a" ]
$R req -n 1 "$T/ka0.sock" 'GET /drop?k0 HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/k0d.out"
ck "keepalive 0: GET dropped on a fresh connection: 502" "$T/k0d.out" "r[0]['status'] == 502"
check "keepalive 0: ... and not retried (the upstream saw it once)" [ "$(n_log rec '"target": "/drop?k0"')" -eq 1 ]
$R multi "$T/kat.sock" 0 'GET /kta HTTP/1.1\r\nHost: x\r\n\r\n' 0 'GET /ktb HTTP/1.1\r\nHost: x\r\n\r\n' 1.5 'GET /ktc HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/kt.out"
ck "keepalive_timeout 500ms: reused at once, not after 1.5 s idle" "$T/kt.out" \
    "[x['status'] for x in r] == [200] * 3 and json.loads(r[0]['body'])['conn'] == json.loads(r[1]['body'])['conn'] < json.loads(r[2]['body'])['conn']"

# --- identity_headers no: none sent, client copies still removed
$R req -n 1 "$T/noid.sock" 'GET /noid HTTP/1.1\r\nHost: x\r\nX-Peer-Uid: 0\r\nX-Peer-Groups: 0\r\n\r\n' >"$T/noid.out"
ck "identity_headers no: no X-Peer-* upstream" "$T/noid.out" \
    "r[0]['status'] == 200 and not [k for k, v in u['headers'] if k.lower().startswith('x-peer-')]"

# --- the TCP upstream
asA $R req -n 1 "$T/tcp.sock" 'GET /tcp HTTP/1.1\r\nHost: x\r\nX-Peer-Uid: 0\r\n\r\n' >"$T/tcp.out"
ck "TCP upstream 127.0.0.1: answer and identity" "$T/tcp.out" \
    "r[0]['status'] == 200 and u['target'] == '/tcp' and H('X-Peer-Uid') == ['$UA'] and H('X-Peer-Gid') == ['$GA']"

# --- nginx
out=$(asB curl -sS -m 10 --unix-socket "$T/ngx.sock" http://localhost/n?q=1)
check "nginx upstream: 200 with the caller's identity ($out)" [ "$out" = "uid=$UB gid=$GB groups= uri=/n?q=1" ]
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' --unix-socket "$T/ngx.sock" -X POST http://localhost/n)
check "nginx listener: POST matches no route: 403 ($code)" [ "$code" = 403 ]

# --- audit all: one JSON line per request
audit() { grep -o '{"type":"audit".*}' "$GW_LOG"; }
audit >"$T/audit.json"
check "audit: allowed GET /id/a by uid $UA (pid $pa) logged" python3 -c "
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
m = [a for a in recs if a['listener'] == 'web' and a['path'] == '/id/a']
sys.exit(not (len(m) == 1 and m[0]['uid'] == $UA and m[0]['gid'] == $GA and m[0]['pid'] == $pa and m[0]['method'] == 'GET' and m[0]['decision'] == 'allow' and m[0]['status'] == 200 and m[0]['route'].endswith(':%d' % [i for i, l in enumerate(open('$T/p.policy'), 1) if '/**\t\tallow any' in l][0])))
" "$T/audit.json"
check "audit: denied GET /forbidden/x logged with its route and 403" python3 -c "
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
m = [a for a in recs if a['listener'] == 'web' and a['path'] == '/forbidden/x' and a['decision'] == 'deny']
sys.exit(not (len(m) == 1 and m[0]['status'] == 403 and m[0]['uid'] == 0 and m[0]['route'] is not None))
" "$T/audit.json"
check "audit: each of the 7 400s logged once as invalid (uids 64200-$BADU)" python3 -c "
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not all([(a['decision'], a['status'], a['route']) for a in recs if a['uid'] == u] == [('invalid', 400, None)] for u in range(64200, $BADU + 1)))
" "$T/audit.json"
check "audit: 20 keep-alive GETs logged" [ "$(grep -c '"path":"/ka/' "$T/audit.json")" -eq 20 ]

# --- 502: no upstream socket; the recorder stopped
$R req -n 1 "$T/gone.sock" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/gone.out"
ck "no upstream socket: 502 JSON" "$T/gone.out" \
    "r[0]['status'] == 502 and json.loads(r[0]['body'])['message'] == 'uds-gateway: upstream unavailable'"
kill -TERM "$RPID"; wait "$RPID" 2>/dev/null
$R req -n 1 "$T/web.sock" 'GET /after-stop HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/stopped.out"
ck "upstream stopped: 502 JSON" "$T/stopped.out" \
    "r[0]['status'] == 502 and json.loads(r[0]['body'])['message'] == 'uds-gateway: upstream unavailable'"

# --- explain (uds-gateway explain), without starting anything: the
# route's file:line, the exit status (0 allowed, 1 refused).
ldeny=$(grep -n '/forbidden/\*\*' "$T/p.policy" | head -1 | cut -d: -f1)
lall=$(grep -n "$(printf '\t/\*\*\t\tallow any')" "$T/p.policy" | head -1 | cut -d: -f1)
rc=0; "$BIN" explain -f "$T/p.policy" web --uid $UA GET /forbidden/a >"$T/ex1" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^route: deny: 403: $T/p.policy:$ldeny:" "$T/ex1"; then ok "explain: GET /forbidden/a denied by line $ldeny, exit 1 ($rc)"; else notok "explain: GET /forbidden/a denied by line $ldeny, exit 1 ($rc)"; fi
rc=0; "$BIN" explain -f "$T/p.policy" web --uid $UA GET /x/y >"$T/ex2" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -q "^route: allow: $T/p.policy:$lall:" "$T/ex2"; then ok "explain: GET /x/y allowed by line $lall, exit 0 ($rc)"; else notok "explain: GET /x/y allowed by line $lall, exit 0 ($rc)"; fi
rc=0; "$BIN" explain -f "$T/p.policy" web --uid $UA GET '/x/%2e%2e/forbidden/a' >"$T/ex3" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^target: 400" "$T/ex3"; then ok "explain: an encoded dot segment is a 400, exit 1 ($rc)"; else notok "explain: an encoded dot segment is a 400, exit 1 ($rc)"; fi
for f in ex1 ex2 ex3; do sed 's/^/#   /' "$T/$f"; done

stop_nginx
stop_gw TERM
check "proxy http: daemon SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
