# HTTP service through curl --unix-socket: the hello JSON (with escaping),
# headers (Date, Content-Type, Content-Length), keep-alive reuse, HEAD,
# POST /echo (Content-Length, chunked, 100-continue, 1 MiB binary),
# /healthz, /whoami (root and nobody), /metrics shared by 2 workers, 405,
# HTTP/1.0 and Connection: close, and the 413/414/431 limits.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
workers 2
listener web {
	path	$T/http.sock
	service	http
	mode	0660
	allow	any
}
listener small {
	path	$T/small.sock
	service	http
	mode	0660
	allow	any
	max_body 16
	max_request_line 64
	max_header_bytes 256
	max_headers 5
}
EOP
# nobody reaches this one: its own 0711 directory, socket mode 0666.
mkdir -m 0711 "$T/pub"
cat >>"$T/p.policy" <<EOP
listener pub {
	path	$T/pub/http.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "curl: daemon start"; exit 1; }
S=$T/http.sock
C="curl -sS -m 10 --unix-socket $S"
HELLO='{"message":"Hello from your HTTP server on a Unix socket!","url":'

# hdr FILE NAME: the value of header NAME in a curl -D dump (last response).
hdr() { tr -d '\r' <"$1" | awk -v n="$(echo "$2" | tr A-Z a-z)" '
	/^HTTP\// { v = "" }
	{ k = tolower($0); sub(/:.*/, "", k) }
	k == n { v = $0; sub(/^[^:]*: */, "", v) }
	END { print v }'; }
status_of() { tr -d '\r' <"$1" | awk '/^HTTP\// { s = $2 } END { print s }'; }

# --- GET /: exact body, headers --------------------------------------------
$C -D "$T/h1" -o "$T/b1" 'http://localhost/some/path?q=1'
check "GET: exact JSON body" [ "$(cat "$T/b1")" = "$HELLO\"/some/path?q=1\"}" ]
check "GET: status 200" [ "$(status_of "$T/h1")" = 200 ]
check "GET: Content-Type application/json" [ "$(hdr "$T/h1" content-type)" = application/json ]
check "GET: Content-Length is the body length (82)" [ "$(hdr "$T/h1" content-length)" = "$(wc -c <"$T/b1")" ] 
check "GET: Connection: keep-alive" [ "$(hdr "$T/h1" connection)" = keep-alive ]
d=$(hdr "$T/h1" date)
check "GET: Date is an IMF-fixdate ($d)" sh -c "echo '$d' | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT\$'"
skew=$(( $(date +%s) - $(date -d "$d" +%s) ))
check "GET: Date within 5 s of now (skew $skew)" [ "$skew" -ge -5 ] && [ "$skew" -le 5 ]

# A backslash and a double quote are legal target bytes (visible ASCII) and
# must come back JSON-escaped; the body must parse as JSON to the target.
$C -o "$T/b2" 'http://localhost/a\b"c'
check "GET: backslash and quote JSON-escaped" [ "$(cat "$T/b2")" = "$HELLO\"/a\\\\b\\\"c\"}" ]
check "GET: escaped body parses back to the target" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(d["url"] != "/a\\b\"c")' "$T/b2"

# --- keep-alive ------------------------------------------------------------
$C -v -o /dev/null -o /dev/null http://localhost/k1 http://localhost/k2 2>"$T/v1"
check "keep-alive: second URL re-uses the connection" grep -q 'Re-using existing connection' "$T/v1"
$C -v -H 'Connection: close' -o /dev/null -o /dev/null http://localhost/k1 http://localhost/k2 2>"$T/v2"
check "Connection: close honoured (answer says close)" grep -q '^< Connection: close' "$T/v2"
check "Connection: close honoured (no re-use)" sh -c "! grep -q 'Re-using existing connection' '$T/v2'"
$C -0 -v -o /dev/null -o /dev/null http://localhost/k1 http://localhost/k2 2>"$T/v3"
check "HTTP/1.0: request sent as 1.0" grep -q '^> GET /k1 HTTP/1.0' "$T/v3"
check "HTTP/1.0: answer says Connection: close" grep -q '^< Connection: close' "$T/v3"
check "HTTP/1.0: connection not re-used" sh -c "! grep -q 'Re-using existing connection' '$T/v3'"

# --- HEAD ------------------------------------------------------------------
$C -I -D "$T/h3" -o "$T/b3" 'http://localhost/some/path?q=1'
check "HEAD: 200" [ "$(status_of "$T/h3")" = 200 ]
check "HEAD: same Content-Length as GET" [ "$(hdr "$T/h3" content-length)" = "$(hdr "$T/h1" content-length)" ]
check "HEAD: same Content-Type as GET" [ "$(hdr "$T/h3" content-type)" = application/json ]
out=$(python3 "$(dirname "$0")/http_raw.py" -t 3 -b -n "$S" 'HEAD /some/path?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
check "HEAD: no body bytes at all on the wire" [ "$out" = "$(printf '200;eof\nb%s' "''")" ]
# HEAD then GET on one connection: if HEAD had sent a body, GET would desync.
$C -v -I -o /dev/null http://localhost/h1 --next --unix-socket "$S" -m 10 -o "$T/b4" http://localhost/h2 2>"$T/v4"
check "HEAD then GET on one connection: re-used" grep -q 'Re-using existing connection' "$T/v4"
check "HEAD then GET on one connection: GET body intact" [ "$(cat "$T/b4")" = "$HELLO\"/h2\"}" ]

# --- POST /echo ------------------------------------------------------------
out=$($C --data-binary 'hello, echo' http://localhost/echo)
check "POST /echo small body" [ "$out" = 'hello, echo' ]
head -c 1048576 /dev/urandom >"$T/1m"
$C -H 'Content-Type: application/octet-stream' --data-binary @"$T/1m" -o "$T/1m.back" http://localhost/echo
check "POST /echo 1 MiB binary (Content-Length) identical" cmp -s "$T/1m" "$T/1m.back"
$C -H 'Transfer-Encoding: chunked' --data-binary @"$T/1m" -o "$T/1m.ch" -v http://localhost/echo 2>"$T/v5"
check "POST /echo 1 MiB chunked identical" cmp -s "$T/1m" "$T/1m.ch"
check "POST /echo chunked: curl did send chunked" grep -qi '^> Transfer-Encoding: chunked' "$T/v5"
head -c 300000 /dev/urandom >"$T/300k"
$C -H 'Expect: 100-continue' --data-binary @"$T/300k" -o "$T/300k.back" -v http://localhost/echo 2>"$T/v6"
check "Expect: 100-continue: 100 Continue arrives" grep -q '^< HTTP/1.1 100 Continue' "$T/v6"
check "Expect: 100-continue: body echoed" cmp -s "$T/300k" "$T/300k.back"
head -c 1048577 /dev/urandom >"$T/1m1"
code=$($C -o /dev/null -w '%{http_code}' --data-binary @"$T/1m1" http://localhost/echo 2>/dev/null)
check "POST /echo 1 MiB + 1 (default max_body 1M): 413 ($code)" [ "$code" = 413 ]

# --- /healthz, /whoami -----------------------------------------------------
out=$($C -D "$T/h7" http://localhost/healthz)
check "GET /healthz: 200 ok" [ "$out" = ok ] && [ "$(status_of "$T/h7")" = 200 ]
sh -c 'echo $$ >"$1"; exec curl -sS -m 10 --unix-socket "$2" http://localhost/whoami' sh "$T/pid.root" "$S" >"$T/who.root"
check "GET /whoami as root: uid 0 gid 0 pid of curl" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); pid = int(open(sys.argv[2]).read())
sys.exit(not (d["uid"] == 0 and d["gid"] == 0 and d["pid"] == pid and isinstance(d["groups"], list)))' "$T/who.root" "$T/pid.root"
chmod 0644 "$T/pid.root"; touch "$T/pid.nobody"; chmod 0666 "$T/pid.nobody"
setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'echo $$ >"$1"; exec curl -sS -m 10 --unix-socket "$2" http://localhost/whoami' sh "$T/pid.nobody" "$T/pub/http.sock" >"$T/who.nobody"
check "GET /whoami as nobody: uid/gid 65534, no groups, pid of curl" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); pid = int(open(sys.argv[2]).read())
sys.exit(not (d["uid"] == 65534 and d["gid"] == 65534 and d["pid"] == pid and d["groups"] == []))' "$T/who.nobody" "$T/pid.nobody"
code=$(setpriv --reuid=nobody --regid=nogroup --clear-groups curl -s -m 10 -o /dev/null -w '%{http_code}' --unix-socket "$S" http://localhost/whoami)
check "nobody cannot reach the 0660 root socket (curl code 000: $code)" [ "$code" = 000 ]

# --- /metrics across 2 workers ---------------------------------------------
$C -o "$T/m0" http://localhost/metrics
i=0; while [ $i -lt 20 ]; do $C -o /dev/null http://localhost/m$i; i=$((i + 1)); done
$C -o /dev/null -X DELETE http://localhost/healthz
$C -o "$T/m1" http://localhost/metrics
# mval FILE NAME [CODE]
mval() { awk -v k="uds_gateway_$2{listener=\"web\"${3:+,code=\"$3\"}}" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }
r0=$(mval "$T/m0" requests_total 200) r1=$(mval "$T/m1" requests_total 200)
f0=$(mval "$T/m0" requests_total 405) f1=$(mval "$T/m1" requests_total 405)
c0=$(mval "$T/m0" connections_total) c1=$(mval "$T/m1" connections_total)
# A scrape counts its own connection but not its own request.
check "metrics: requests_total{code=200} grew by exactly 21 ($r0 -> $r1)" [ $((r1 - r0)) -eq 21 ]
check "metrics: requests_total{code=405} grew by exactly 1 ($f0 -> $f1)" [ $((f1 - f0)) -eq 1 ]
check "metrics: connections_total grew by exactly 22 ($c0 -> $c1)" [ $((c1 - c0)) -eq 22 ]
$C -D "$T/h8" -o /dev/null http://localhost/metrics
check "metrics: Prometheus content type" [ "$(hdr "$T/h8" content-type)" = 'text/plain; version=0.0.4; charset=utf-8' ]
# The counters are shared: each worker's answer includes the other's
# requests. With 2 workers, 20 fresh connections and 20 metrics reads, the
# count never goes down and ends at least 40 higher.
$C -o "$T/m" http://localhost/metrics; prev=$(mval "$T/m" requests_total 200)
mono=1; i=0
while [ $i -lt 20 ]; do
	$C -o /dev/null http://localhost/x
	$C -o "$T/m" http://localhost/metrics; v=$(mval "$T/m" requests_total 200)
	[ "$v" -ge $((prev + 2)) ] || mono=0
	prev=$v; i=$((i + 1))
done
check "metrics: every read counts every earlier request (shared by workers)" [ $mono = 1 ]

# --- 405 -------------------------------------------------------------------
$C -X POST -D "$T/h9" -o "$T/b9" http://localhost/healthz
check "POST /healthz: 405" [ "$(status_of "$T/h9")" = 405 ]
check "POST /healthz: Allow: GET, HEAD" [ "$(hdr "$T/h9" allow)" = 'GET, HEAD' ]
$C -D "$T/h10" -o /dev/null http://localhost/echo
check "GET /echo: 405 with Allow: POST" [ "$(status_of "$T/h10")" = 405 ] && [ "$(hdr "$T/h10" allow)" = POST ]
$C -X PUT -D "$T/h11" -o /dev/null http://localhost/whoami
check "PUT /whoami: 405 with Allow: GET, HEAD" [ "$(status_of "$T/h11")" = 405 ] && [ "$(hdr "$T/h11" allow)" = 'GET, HEAD' ]

# --- limits (listener small; curl sends 3 fields, 5 with a body) -----------------------------------------------
M="curl -s -m 10 --unix-socket $T/small.sock -o /dev/null -w %{http_code}"
check "max_body 16: 17-byte body is 413" [ "$($M --data-binary 0123456789abcdefg http://localhost/echo)" = 413 ]
check "max_body 16: 16-byte body is 200" [ "$($M --data-binary 0123456789abcdef http://localhost/echo)" = 200 ]
check "max_body 16: chunked 17 bytes is 413" [ "$($M -H 'Transfer-Encoding: chunked' --data-binary 0123456789abcdefg http://localhost/echo)" = 413 ]
check "max_request_line 64: long target is 414" [ "$($M http://localhost/$(printf '%060d' 0))" = 414 ]
check "max_headers 5: 5 fields is 200" [ "$($M -H 'A: 1' -H 'B: 2' http://localhost/)" = 200 ]
check "max_headers 5: 6 fields is 431" [ "$($M -H 'A: 1' -H 'B: 2' -H 'C: 3' http://localhost/)" = 431 ]
check "max_header_bytes 256: a 300-byte field is 431" [ "$($M -H "X: $(printf '%0300d' 0)" http://localhost/)" = 431 ]

stop_gw TERM
check "curl: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
