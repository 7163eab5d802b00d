# HTTP request smuggling and strictness, over raw AF_UNIX sockets (python3
# stdlib, tests/system/http_raw.py): every rejected vector gets exactly one
# response with the documented status (src/http.h) and then the connection
# is closed, so a request pipelined behind it is never answered. Positive
# cases: pipelining answers in order, bodies never leak into the next
# request, 100-continue, HTTP/1.0 and Connection: close.
. "$(dirname "$0")/lib.sh"

RAW="python3 $(dirname "$0")/http_raw.py -t 3"
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
	max_headers 3
}
EOP
start_gw "$T/p.policy" || { notok "smuggle: daemon start"; exit 1; }
S=$T/http.sock

# A request that must never be answered when it follows a rejected one.
NEXT='GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'
H='Host: a\r\n'

# expect WHAT WANT [RAW-OPTIONS] SOCKET REQ...: the summary line is exactly WANT.
expect() {
	what=$1 want=$2; shift 2
	got=$($RAW "$@" 2>&1 | head -n 1)
	if [ "$got" = "$want" ]; then ok "$what: $want"
	else notok "$what: want '$want', got '$got'"; fi
}
# reject WHAT STATUS HEAD-AND-BODY: STATUS once, then EOF; NEXT unanswered.
reject() { expect "$1" "$2;eof" "$S" "$3$NEXT"; }

# --- framing: Content-Length / Transfer-Encoding ---------------------------
reject "CL and TE together" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
reject "TE and CL together (TE first)" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n"
reject "two different Content-Length lines" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
reject "Content-Length list with different values" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 3, 4\r\n\r\nabcd"
reject "Content-Length with + sign" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc"
reject "Content-Length negative" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n"
reject "Content-Length hex" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 0x3\r\n\r\nabc"
reject "Content-Length with inner space" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\nabcdefghijkl"
reject "Content-Length empty" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: \r\n\r\n"
reject "Content-Length over 2^64" 400 "POST /echo HTTP/1.1\r\n${H}Content-Length: 18446744073709551616\r\n\r\n"
reject "TE 'chunked, gzip' (chunked not final)" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
reject "TE 'gzip, chunked' (unsupported coding)" 501 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
reject "TE split over two lines gzip + chunked" 501 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
reject "TE 'xchunked'" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
reject "TE 'chunked\\t,' (empty element)" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t,\r\n\r\n0\r\n\r\n"
reject "TE ', chunked' (empty element)" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n"
reject "TE 'chunked, chunked'" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"
reject "TE quoted '\"chunked\"'" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n"
reject "TE with parameter 'chunked;q=1'" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"
reject "TE with whitespace before colon" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"
reject "TE in HTTP/1.0" 400 "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
reject "TE identity" 400 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n"

# --- chunked body framing --------------------------------------------------
CH="POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n"
reject "chunk size overflow ffffffffffffffffff" 400 "${CH}ffffffffffffffffff\r\nx\r\n0\r\n\r\n"
reject "chunk size missing" 400 "${CH}\r\nabc\r\n0\r\n\r\n"
reject "chunk size junk" 400 "${CH}zz\r\nabc\r\n0\r\n\r\n"
reject "chunk size with leading space" 400 "${CH} 3\r\nabc\r\n0\r\n\r\n"
reject "chunk size 0x3" 400 "${CH}0x3\r\nabc\r\n0\r\n\r\n"
reject "chunk size negative" 400 "${CH}-3\r\nabc\r\n0\r\n\r\n"
reject "chunk data longer than its size" 400 "${CH}3\r\nabcd\r\n0\r\n\r\n"
reject "chunk size line ending in bare LF" 400 "${CH}3\nabc\r\n0\r\n\r\n"
reject "chunk trailer with obs-fold" 400 "${CH}3\r\nabc\r\n0\r\nX: a\r\n b\r\n\r\n"

# --- header syntax ---------------------------------------------------------
reject "obs-fold" 400 "GET / HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n"
reject "obs-fold before the first field" 400 "GET / HTTP/1.1\r\n ${H}\r\n"
reject "space before colon" 400 "GET / HTTP/1.1\r\n${H}X-A : b\r\n\r\n"
reject "tab before colon" 400 "GET / HTTP/1.1\r\n${H}X-A\t: b\r\n\r\n"
reject "NUL in header value" 400 "GET / HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n"
reject "SOH in header value" 400 "GET / HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n"
reject "DEL in header value" 400 "GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n"
reject "ESC in header value" 400 "GET / HTTP/1.1\r\n${H}X-A: a\x1bb\r\n\r\n"
reject "bare CR in header value" 400 "GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
reject "bare CR ending the request line" 400 "GET / HTTP/1.1\r${H}\r\n"
reject "bare LF line ends" 400 "GET / HTTP/1.1\nHost: a\n\n"
reject "bare LF in one field" 400 "GET / HTTP/1.1\r\nX-A: b\n${H}\r\n"
reject "field name not a token" 400 "GET / HTTP/1.1\r\n${H}X(A): b\r\n\r\n"
reject "missing Host in HTTP/1.1" 400 "GET / HTTP/1.1\r\nX-A: b\r\n\r\n"
reject "two Host headers" 400 "GET / HTTP/1.1\r\n${H}${H}\r\n"
reject "two Host headers in HTTP/1.0" 400 "GET / HTTP/1.0\r\n${H}${H}Connection: keep-alive\r\n\r\n"
reject "invalid Host value" 400 "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"
reject "two Authorization headers" 400 "GET / HTTP/1.1\r\n${H}Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n"

# --- request line ----------------------------------------------------------
reject "HTTP/2.0" 505 "GET / HTTP/2.0\r\n${H}\r\n"
reject "HTTP/3.0" 505 "GET / HTTP/3.0\r\n${H}\r\n"
# RFC 9110 2.5: a higher HTTP/1.x minor version is served as HTTP/1.1.
expect "HTTP/1.2 served as HTTP/1.1 (keep-alive)" "200,200;eof" "$S" "GET / HTTP/1.2\r\n${H}\r\nGET /b HTTP/1.9\r\n${H}Connection: close\r\n\r\n"
reject "HTTP/1.2 without Host (as HTTP/1.1)" 400 "GET / HTTP/1.2\r\n\r\n"
line=$(printf 'GET / HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n' |
    socat -t 3 - "UNIX-CONNECT:$S" | head -n 1 | tr -d '\r')
check "HTTP/1.2: the answer is HTTP/1.1 (got '$line')" [ "$line" = "HTTP/1.1 200 OK" ]
reject "HTTP/1.10" 400 "GET / HTTP/1.10\r\n${H}\r\n"
reject "lower-case http/1.1" 400 "GET / http/1.1\r\n${H}\r\n"
reject "two spaces in request line" 400 "GET  / HTTP/1.1\r\n${H}\r\n"
reject "fragment in target" 400 "GET /a#b HTTP/1.1\r\n${H}\r\n"
reject "byte >= 0x80 in target" 400 "GET /\xe9 HTTP/1.1\r\n${H}\r\n"
reject "asterisk target with GET" 400 "GET * HTTP/1.1\r\n${H}\r\n"
reject "five empty lines before the request" 400 "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n"
reject "Expect other than 100-continue" 417 "POST /echo HTTP/1.1\r\n${H}Expect: 101-continue\r\nContent-Length: 1\r\n\r\nx"

# --- limits (listener "small": body 16, request line 64, head 256, 3 fields)
M=$T/small.sock
expect "Content-Length over max_body" "413;eof" "$M" "POST /echo HTTP/1.1\r\n${H}Content-Length: 17\r\n\r\n0123456789abcdefg$NEXT"
expect "chunked body over max_body" "413;eof" "$M" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n$NEXT"
expect "body of exactly max_body" "200,200;eof" "$M" "POST /echo HTTP/1.1\r\n${H}Content-Length: 16\r\n\r\n0123456789abcdefGET /x HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
long=$(printf '%049d' 0)
expect "request line of 65 bytes (limit 64)" "414;eof" "$M" "GET /$long HTTP/1.1\r\n${H}\r\n$NEXT"
expect "request line of 64 bytes" "200;eof" "$M" "GET /${long#0} HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
# max_headers counts every field line, Host included (policy.5); the
# default is 100.
fields() { i=1; while [ $i -le "$1" ]; do printf 'X-F%d: v\\r\\n' $i; i=$((i + 1)); done; }
expect "Host + 98 fields + Connection = 100 (default limit 100)" "200;eof" "$S" "GET / HTTP/1.1\r\n${H}$(fields 98)Connection: close\r\n\r\n"
expect "Host + 100 fields = 101 (default limit 100)" "431;eof" "$S" "GET / HTTP/1.1\r\n${H}$(fields 100)\r\n$NEXT"
expect "4 header fields (limit 3)" "431;eof" "$M" "GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n$NEXT"
big=$(printf '%0250d' 0)
expect "header bytes over max_header_bytes" "431;eof" "$M" "GET / HTTP/1.1\r\n${H}X: $big\r\n\r\n$NEXT"
expect "GET with a body on a small max_body listener" "200,200;eof" "$M" "GET /a HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n${H}Connection: close\r\n\r\n"

# --- positive cases --------------------------------------------------------
# three pipelined requests in one send: three answers, in order
out=$($RAW -b "$S" "GET /one HTTP/1.1\r\n${H}\r\nGET /two HTTP/1.1\r\n${H}\r\nGET /three HTTP/1.1\r\n${H}Connection: close\r\n\r\n")
want=$(printf '%s\n' '200,200,200;eof' \
    "b'{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\"/one\"}'" \
    "b'{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\"/two\"}'" \
    "b'{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\"/three\"}'")
check "pipelining: 3 requests in one send, 3 responses in order" [ "$out" = "$want" ]

LEAK='GET /leak HTTP/1.1\r\nHost: a\r\n\r\n'	# 31 bytes
NEXTC="GET /next HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
hello_next="b'{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\"/next\"}'"
leak_body="b'GET /leak HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n'"
want=$(printf '%s\n' '200,200;eof' "$leak_body" "$hello_next")
out=$($RAW -b "$S" "POST /echo HTTP/1.1\r\n${H}Content-Length: 31\r\n\r\n$LEAK$NEXTC")
check "Content-Length body holding a request is echoed, not served" [ "$out" = "$want" ]
out=$($RAW -b "$S" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nf\r\nGET /leak HTTP/\r\n10\r\n1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n$NEXTC")
check "chunked body holding a request is echoed, not served" [ "$out" = "$want" ]
out=$($RAW -b -s 0.2 "$S" "POST /echo HTTP/1.1\r\n${H}Content-Length: 31\r\n\r\nGET /le" "ak HTTP/1.1\r\nHost: a\r\n\r\nGET /ne" "xt HTTP/1.1\r\n${H}Connection: close\r\n\r\n")
check "body and next request split across sends" [ "$out" = "$want" ]
out=$($RAW -b "$S" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n3;ext=\"v\";e2=t\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n$NEXTC")
want=$(printf '%s\n' '200,200;eof' "b'abc'" "$hello_next")
check "chunk extensions and trailers accepted, discarded" [ "$out" = "$want" ]
out=$($RAW -b "$S" "POST /echo HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc$NEXTC")
check "identical repeated Content-Length accepted" [ "$out" = "$want" ]
out=$($RAW -b "$S" "POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc$NEXTC")
want=$(printf '%s\n' '100,200,200;eof' "b''" "b'abc'" "$hello_next")
check "Expect: 100-continue gets 100 then 200" [ "$out" = "$want" ]
expect "HTTP/1.0 without keep-alive: one answer, then close" "200;eof" "$S" "GET / HTTP/1.0\r\n\r\nGET /second HTTP/1.0\r\n\r\n"
expect "HTTP/1.0 keep-alive: both answered" "200,200;eof" "$S" "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /second HTTP/1.0\r\n\r\n"
expect "Connection: close: one answer, then close" "200;eof" "$S" "GET / HTTP/1.1\r\n${H}Connection: keep-alive, close\r\n\r\n$NEXT"
expect "four empty lines before the request are skipped" "200;eof" "$S" "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
expect "HEAD /echo: 405 without a body" "405,200;eof" -n "$S" "HEAD /echo HTTP/1.1\r\n${H}\r\nHEAD / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
expect "OPTIONS *" "200;eof" "$S" "OPTIONS * HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
expect "idle keep-alive connection stays open" "200;open" "$S" "GET / HTTP/1.1\r\n${H}\r\n"
# socat half-closes after sending: both pipelined answers, then EOF.
out=$(printf 'GET /s1 HTTP/1.1\r\nHost: a\r\n\r\nGET /s2 HTTP/1.1\r\nHost: a\r\n\r\n' |
    timeout 10 socat -t 5 - "UNIX-CONNECT:$S" | grep -o 'HTTP/1.1 200 OK' | wc -l)
check "socat: half-close after 2 pipelined requests, 2 answers ($out)" [ "$out" = 2 ]

stop_gw TERM
check "smuggle: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
