# Peer tokens: hash-token and gen-token; echo's AUTH line and HTTP's
# Bearer field, right / rotated / wrong / missing / empty, split across
# writes; the pre-auth header timeout; rules still decide first; the
# worker verifies under its real seccomp filter; a build without OpenSSL
# refuses a token policy.
. "$(dirname "$0")/lib.sh"

TU=udsgw-tt1-$$	# our pid: concurrent runs do not collide
drop_ids() {
	# Retried: another process may hold the /etc/passwd lock for a moment.
	for try in 1 2 3 4 5; do
		userdel "$TU" 2>/dev/null; groupdel "$TU" 2>/dev/null
		getent passwd "$TU" >/dev/null || getent group "$TU" >/dev/null ||
		    return 0
		sleep 0.2
	done
	echo "# could not remove test user $TU"
}
trap 'trap "" INT TERM HUP; cleanup; drop_ids' EXIT
trap 'exit 1' INT TERM HUP
drop_ids
useradd -M -U -s /usr/sbin/nologin "$TU" || { notok "token: useradd $TU"; exit 1; }
AS="setpriv --reuid=$TU --regid=$TU --init-groups"
uid=$(id -u "$TU"); gid=$(id -g "$TU")
# logged PATTERN: the parent writes worker records asynchronously; wait.
logged() { wait_for 3 grep -q "$1" "$GW_LOG"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- the command line helpers
out=$(printf 'hello' | "$BIN" hash-token)
check "hash-token hello = sha256:2cf24dba... (got $out)" \
    [ "$out" = sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 ]
out2=$(printf 'hello\r\n' | "$BIN" hash-token)
check "hash-token strips the line ending" [ "$out2" = "$out" ]
printf '' | "$BIN" hash-token >/dev/null 2>"$T/e.err"
rc=$?
check "hash-token without a token exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "... and says why" grep -q 'no token on standard input' "$T/e.err"
printf '\n' | "$BIN" hash-token >/dev/null 2>&1
check "hash-token of an empty line exits 1" [ $? -eq 1 ]
"$BIN" gen-token >"$T/gen1" || notok "gen-token exits 0"
"$BIN" gen-token >"$T/gen2"
T1=$(awk '$1 == "token" { print $2 }' "$T/gen1")
H1=$(awk '$1 == "policy" && $2 == "token" { print $3 }' "$T/gen1")
T2=$(awk '$1 == "token" { print $2 }' "$T/gen2")
H2=$(awk '$1 == "policy" && $2 == "token" { print $3 }' "$T/gen2")
check "gen-token: a 256-bit token (64 hex digits)" sh -c "echo '$T1' | grep -Eqx '[0-9a-f]{64}'"
check "gen-token: two calls give different tokens" [ "$T1" != "$T2" ]
check "gen-token: its hash is hash-token of its token" \
    [ "$(printf '%s' "$T1" | "$BIN" hash-token)" = "$H1" ]
check "gen-token: second token too" [ "$(printf '%s\n' "$T2" | "$BIN" hash-token)" = "$H2" ]

cat >"$T/p.policy" <<EOP
workers 2
listener te {
	path	$T/te.sock
	service	echo
	mode	0666
	allow_world_writable yes
	allow	any
	token	$H1
	token	$H2
	header_timeout 1s
}
listener th {
	path	$T/th.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
	token	$H1
	token	$H2
}
listener tr {
	path	$T/tr.sock
	service	echo
	mode	0666
	allow_world_writable yes
	allow	uid 0
	token	$H1
}
EOP
P=$T/p.policy
L_TE=$(grep -n '^listener te ' "$P" | cut -d: -f1)
L_TH=$(grep -n '^listener th ' "$P" | cut -d: -f1)
L_TR=$(grep -n '^listener tr ' "$P" | cut -d: -f1)
start_gw "$P" || { notok "token: daemon start"; exit 1; }
W0=$(workers_of "$GW_PID")

# echo_as DATA-PRINTF-ARGS...: send through te as the test user.
echo_as() { printf "$@" | $AS socat -t 5 - "UNIX-CONNECT:$T/te.sock" 2>/dev/null; }

# --- echo
out=$(echo_as 'AUTH %s\nhello' "$T1")
check "echo: right token, data echoed without the AUTH line" [ "$out" = hello ]
out=$(echo_as 'AUTH %s\r\nrotated' "$T2")
check "echo: second token (rotation), CRLF AUTH line" [ "$out" = rotated ]
out=$(echo_as 'AUTH %s\nline1\nAUTH x\n' "$T1")
check "echo: later lines are data, even AUTH ones" [ "$out" = "$(printf 'line1\nAUTH x')" ]

head -c 65536 /dev/urandom >"$T/64k"
{ printf 'AUTH %s\n' "$T1"; cat "$T/64k"; } | $AS socat -t 10 - "UNIX-CONNECT:$T/te.sock" >"$T/64k.back" 2>/dev/null
check "echo: 64 KiB after AUTH come back identical" cmp -s "$T/64k" "$T/64k.back"

head=${T1%????}; tail=${T1#"$head"}
(printf 'AU'; sleep 0.2; printf 'TH %s' "$head"; sleep 0.2; printf '%s\n' "$tail"
    sleep 0.2; printf 'data-1 '; sleep 0.2; printf 'data-2') |
    $AS socat -t 5 - "UNIX-CONNECT:$T/te.sock" >"$T/split" 2>/dev/null
check "echo: AUTH split across writes, then data: all data, no AUTH line (got: $(cat "$T/split"))" \
    [ "$(cat "$T/split")" = "data-1 data-2" ]

for c in wrong missing malformed; do
	case $c in
	wrong)		data='AUTH not-the-token\nsecret' ;;
	missing)	data='hello without auth\nsecret' ;;
	malformed)	data='AUTH \nsecret' ;;
	esac
	t0=$(now_ms)
	printf "$data" | $AS socat -t 5 - "UNIX-CONNECT:$T/te.sock" >"$T/o.$c" 2>/dev/null &
	p=$!
	wait $p
	dt=$(($(now_ms) - t0))
	check "echo: $c token: closed with nothing echoed (${dt} ms)" [ ! -s "$T/o.$c" -a "$dt" -lt 2000 ]
	wait_for 2 grep -q "te: denied pid $p " "$GW_LOG"
	check "echo: $c token logged with pid/uid/gid and listener file:line" \
	    logged "te: denied pid $p uid $uid gid $gid: $c token (listener at $P:$L_TE)"
	check "echo: $c token logged once" [ "$(grep -c "denied pid $p " "$GW_LOG")" -eq 1 ]
done
check "echo: the token is never logged" sh -c "! grep -q -e '$T1' -e '$T2' -e not-the-token '$GW_LOG'"

# Pre-auth uses header_timeout (1s): a silent peer is closed after ~1s.
t0=$(now_ms)
$AS timeout 10 socat -u "UNIX-CONNECT:$T/te.sock" - >/dev/null 2>&1
dt=$(($(now_ms) - t0))
check "echo: silent peer closed by header_timeout 1s (${dt} ms)" [ "$dt" -ge 700 -a "$dt" -lt 3000 ]
# ... and trickling bytes without a newline does not extend it.
t0=$(now_ms)
(printf 'AUTH '; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; printf 'a'; done) |
    $AS socat -t 0.2 - "UNIX-CONNECT:$T/te.sock" >/dev/null 2>&1
dt=$(($(now_ms) - t0))
check "echo: trickled AUTH line still cut at ~1s (${dt} ms < 2500)" [ "$dt" -lt 2500 ]
# After AUTH the idle timeout (60s) applies, not header_timeout.
out=$( (printf 'AUTH %s\n' "$T1"; sleep 1.6; printf 'late') | $AS socat -t 5 - "UNIX-CONNECT:$T/te.sock" 2>/dev/null)
check "echo: after AUTH, a 1.6s pause is fine (idle timeout)" [ "$out" = late ]

# Rules come first: a right token does not admit a denied uid.
out=$(printf 'AUTH %s\nx' "$T1" | $AS socat -t 5 - "UNIX-CONNECT:$T/tr.sock" 2>/dev/null)
check "echo: denied uid with the right token: nothing echoed" [ -z "$out" ]
check "echo: ... logged as a rule denial" \
    logged "tr: denied pid [0-9]* uid $uid gid $gid: no rule matched (default deny) (listener at $P:$L_TR)"
out=$(printf 'AUTH %s\nroot' "$T1" | socat -t 5 - "UNIX-CONNECT:$T/tr.sock")
check "echo: allowed uid with the right token is served" [ "$out" = root ]

# --- http
# curl_as ARGS...: as the test user (who cannot write in $T): the head and
# body go to $T/resp, the status code to stdout.
curl_as() {
	$AS curl -s -D - -w '\n%{http_code}' --unix-socket "$T/th.sock" "$@" >"$T/resp"
	sed -n '/^\r*$/q; p' "$T/resp" >"$T/hdr"
	tail -n 1 "$T/resp"
}
code=$(curl_as -H "Authorization: Bearer $T1" http://x/healthz)
check "http: right token: 200 (got $code)" [ "$code" = 200 ]
code=$(curl_as -H "Authorization: bearer   $T2" http://x/healthz)
check "http: second token, scheme any case, extra spaces: 200 (got $code)" [ "$code" = 200 ]
code=$(curl_as -H "Authorization: Bearer $T1" http://x/whoami)
check "http: whoami behind the token shows the peer uid" grep -q "\"uid\":$uid," "$T/resp"

for c in wrong missing malformed basic; do
	case $c in
	wrong)		code=$(curl_as -H "Authorization: Bearer not-the-token" http://x/healthz) ;;
	missing)	code=$(curl_as http://x/healthz) ;;
	malformed)	code=$(curl_as -H "Authorization: Bearer " http://x/healthz) ;;
	basic)		code=$(curl_as -u "a:$T1" http://x/healthz) ;;
	esac
	check "http: $c token: 401 (got $code)" [ "$code" = 401 ]
	check "http: $c token: WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$T/hdr"
	check "http: $c token: Connection: close" grep -qi '^Connection: close' "$T/hdr"
done
# curl drops an empty header value; send the empty Bearer by hand.
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \r\n\r\n' |
    $AS socat -t 5 - "UNIX-CONNECT:$T/th.sock" >"$T/empty" 2>/dev/null
check "http: empty Bearer token: 401" grep -q '^HTTP/1.1 401' "$T/empty"
check "http: wrong token logged" \
    logged "th: denied pid [0-9]* uid $uid gid $gid: wrong token (listener at $P:$L_TH)"
check "http: missing token logged" \
    logged "th: denied pid [0-9]* uid $uid gid $gid: missing token (listener at $P:$L_TH)"
n=60; while [ "$(grep -c "th: denied .*: malformed token" "$GW_LOG")" -lt 3 ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
check "http: empty/other-scheme token logged as malformed" \
    [ "$(grep -c "th: denied pid [0-9]* uid $uid gid $gid: malformed token" "$GW_LOG")" -ge 3 ]

# Every request on a kept-alive connection is checked.
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$T1" "$T1" |
    $AS socat -t 5 - "UNIX-CONNECT:$T/th.sock" >"$T/pipe" 2>/dev/null
st=$(grep -o 'HTTP/1.1 [0-9]*' "$T/pipe" | cut -d' ' -f2 | tr '\n' ' ')
check "http: pipelined good, tokenless, good: 200 then 401, then closed (got $st)" [ "$st" = "200 401 " ]

# A token on an abstract socket is refused: any local process can bind
# the name first and collect the tokens clients send.
printf 'listener tabs {\n\tpath\t@udsgw-token-test-%s\n\tservice\thttp\n\tallow\tuid 0\n\ttoken\t%s\n}\n' \
    $$ "$H1" >"$T/abs.policy"
"$BIN" -t -f "$T/abs.policy" >/dev/null 2>"$T/abs.err"
rc=$?
check "abstract socket with a token: refused by -t (exit $rc)" [ "$rc" -eq 1 ]
check "... at the token line, saying why" \
    grep -q "^$T/abs.policy:5:2: 'token' on abstract socket .*bind the name first" "$T/abs.err"

# --- the sandbox held: hashing ran under the filter without new calls
check "workers unchanged (nobody died of SIGSYS): $W0" [ "$(workers_of "$GW_PID")" = "$W0" ]
check "no sandbox violation logged" sh -c "! grep -q 'SIGSYS' '$GW_LOG'"
for w in $W0; do
	check "worker $w: Seccomp $EXPECT_SECCOMP" \
	    [ "$(proc_field "$w" Seccomp)" = "$EXPECT_SECCOMP" ]
done
stop_gw TERM
check "token: SIGTERM exits 0 (status $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]

# --- a build without OpenSSL refuses a token policy at load
NOSSL=$TOP/build-nossl/uds-gateway
if [ ! -x "$NOSSL" ]; then
	make -s -C "$TOP" WITH_OPENSSL=0 B=build-nossl all >"$T/nossl.make" 2>&1 ||
	    sed 's/^/#   /' "$T/nossl.make"
fi
if [ -x "$NOSSL" ]; then
	"$NOSSL" -t -f "$P" >"$T/nossl.out" 2>"$T/nossl.err"
	rc=$?
	check "WITH_OPENSSL=0: token policy refused by -t (exit $rc)" [ "$rc" -eq 1 ]
	check "WITH_OPENSSL=0: message names file:line:col and the reason" \
	    grep -q "^$P:[0-9]*:[0-9]*: token requires a build with OpenSSL" "$T/nossl.err"
	printf 'hello' | "$NOSSL" hash-token >/dev/null 2>"$T/nossl.ht"
	rc=$?
	check "WITH_OPENSSL=0: hash-token exits 1 (got $rc)" [ "$rc" -eq 1 ]
	check "WITH_OPENSSL=0: ... saying there is no OpenSSL" grep -q 'no OpenSSL' "$T/nossl.ht"
	sed '/token/d' "$P" >"$T/notok.policy"
	"$NOSSL" -t -f "$T/notok.policy" >/dev/null 2>&1
	check "WITH_OPENSSL=0: the same policy without tokens is valid" [ $? -eq 0 ]
else
	notok "WITH_OPENSSL=0: could not build build-nossl"
fi
