# /metrics as Prometheus tooling reads it: after traffic on two listeners
# (statuses 200, 400, 405, 413, denials by rule, by default and by token, a
# timeout), the page of a metrics_all listener and of a listener showing
# only itself both pass `promtool check metrics` with no findings.
. "$(dirname "$0")/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	notok "promtool: not installed (scripts/deps.sh test installs prometheus)"
	exit 1
fi
TOKEN=promtool-test-token
HASH=$(printf '%s\n' "$TOKEN" | "$BIN" hash-token)
cat >"$T/p.policy" <<EOP
workers 1
listener web {
	path	$T/web.sock
	service	http
	mode	0666
	allow_world_writable yes
	deny	user nobody
	allow	uid 0
	max_body 16
	header_timeout 200ms
}
listener mon {
	path	$T/mon.sock
	service	http
	mode	0660
	allow	uid 0
	metrics_all yes
}
EOP
if [ -n "$HASH" ]; then
	cat >>"$T/p.policy" <<EOP
listener tok {
	path	$T/tok.sock
	service	http
	mode	0660
	allow	any
	token	$HASH
}
EOP
fi
start_gw "$T/p.policy" || { notok "promtool: daemon start"; exit 1; }
C="curl -s -m 5 -o /dev/null --unix-socket $T/web.sock"
$C http://x/
$C http://x/
printf 'BAD\r\n\r\n' | socat -t 2 - "UNIX-CONNECT:$T/web.sock" >/dev/null 2>&1	# 400
$C -X DELETE http://x/					# 405
$C -d 'a body longer than sixteen bytes' http://x/echo	# 413
# Denied by rule (nobody), by default (daemon), and without the token.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    curl -s -m 5 -o /dev/null --unix-socket "$T/web.sock" http://x/
setpriv --reuid=daemon --regid=daemon --clear-groups \
    curl -s -m 5 -o /dev/null --unix-socket "$T/web.sock" http://x/
[ -z "$HASH" ] || curl -s -m 5 -o /dev/null --unix-socket "$T/tok.sock" http://x/
# A head that never ends: header_timeout.
(printf 'GET / HTTP/1.1\r\n'; sleep 1) | socat -t 1 - "UNIX-CONNECT:$T/web.sock" >/dev/null 2>&1

curl -s -m 5 --unix-socket "$T/mon.sock" http://x/metrics >"$T/all"
curl -s -m 5 --unix-socket "$T/web.sock" http://x/metrics >"$T/own"
for code in 200 400 405 413; do
	check "metrics_all page: web's $code counted" \
	    grep -q "^uds_gateway_requests_total{listener=\"web\",code=\"$code\"} [1-9]" "$T/all"
done
for r in rule default; do
	check "metrics_all page: web's denials by $r counted" \
	    grep -q "^uds_gateway_denials_total{listener=\"web\",reason=\"$r\"} [1-9]" "$T/all"
done
[ -z "$HASH" ] || check "metrics_all page: tok's token denial counted" \
    grep -q '^uds_gateway_denials_total{listener="tok",reason="token"} [1-9]' "$T/all"
check "metrics_all page: web's header timeout counted" \
    grep -q '^uds_gateway_timeouts_total{listener="web"} [1-9]' "$T/all"
check "metrics_all page: mon is on it" grep -q 'listener="mon"' "$T/all"
for page in all own; do
	out=$(promtool check metrics <"$T/$page" 2>&1); rc=$?
	check "promtool check metrics: the $page page, no findings (rc $rc): $(printf '%s' "$out" | head -3 | tr '\n' ' ')" \
	    [ "$rc" -eq 0 ] && [ -z "$out" ]
done
stop_gw
check "SIGTERM: exit 0 (got $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
