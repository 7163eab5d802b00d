# uds-gateway explain: which connection rule and which route decide a
# request, with file:line, for callers of the Docker example policy;
# nothing is started, and it runs without privilege.
. "$(dirname "$0")/lib.sh"

made=
trap 'for u in $made; do userdel "$u" 2>/dev/null; done; for g in $made; do groupdel "$g" 2>/dev/null; done; cleanup' EXIT
for g in docker docker-api docker-readers; do
	getent group "$g" >/dev/null && continue
	if groupadd --system "$g"; then made="$made $g"
	else notok "groupadd $g"; fi
done
for u in deploy udsgw-reader udsgw-outsider; do
	getent passwd "$u" >/dev/null && continue
	if useradd --system --no-create-home --user-group "$u"; then
		made="$made $u"
	else notok "useradd $u"; fi
done
usermod -a -G docker-api,docker-readers udsgw-reader

P=$T/docker.policy
cp "$TOP/policy/examples/docker.policy" "$P"
line() { grep -n -- "$1" "$P" | head -1 | cut -d: -f1; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
oneline() { printf '%s' "$1" | tr '\n' '|'; }
ex() { out=$("$BIN" explain -f "$P" "$@" 2>&1); rc=$?; }

allow_line=$(line '^	allow	group docker-api')
ex docker --uid udsgw-reader GET /v1.41/containers/json
check "reader: GET /v1.41/containers/json allowed (rc $rc)" [ "$rc" -eq 0 ]
check "... connect decided by $P:$allow_line ($(oneline "$out"))" \
    has "$out" "^connect: allow: $P:$allow_line: allow group docker-api\$"
check "... version prefix ignored" \
    has "$out" "^match: /containers/json (version prefix /v1.41 ignored)\$"
check "... by the readers' route at line $(line 'containers/json		allow group')" \
    has "$out" "^route: allow: $P:$(line 'containers/json		allow group'): route GET /containers/json allow group docker-readers\$"

ex docker --uid udsgw-reader POST /containers/create
check "reader: POST /containers/create refused (rc $rc)" [ "$rc" -eq 1 ]
check "... by the final deny at line $(line '/\*\*')" \
    has "$out" "^route: deny: 403: $P:$(line '/\*\*'): route \* /\*\* deny any\$"

# deploy's groups are given, not changed: it may be a real user here.
ex docker --uid deploy --groups docker-api POST /v1.41/containers/create?name=ci
check "deployer: POST /containers/create allowed (rc $rc)" [ "$rc" -eq 0 ]
check "... by its route ($(oneline "$out"))" \
    has "$out" "^route: allow: $P:$(line 'containers/create'): route POST /containers/create allow user deploy\$"

ex docker --uid udsgw-outsider GET /_ping
check "outsider: refused at connect (rc $rc)" [ "$rc" -eq 1 ]
check "... no rule matched, no route consulted ($(oneline "$out"))" \
    sh -c 'printf "%s\n" "$1" | grep -q "^connect: deny: no rule matched (default deny)\$" &&
    ! printf "%s\n" "$1" | grep -q "^route:"' sh "$out"

ex docker --uid udsgw-outsider --groups docker-api GET /_ping
check "--groups gives the caller docker-api: /_ping allowed (rc $rc)" [ "$rc" -eq 0 ]

ex docker --uid udsgw-reader GET /containers/%2F/json
check "encoded slash: 400 (rc $rc, $(oneline "$out"))" \
    sh -c '[ "$1" -eq 1 ] && printf "%s\n" "$2" | grep -q "^target: 400: encoded slash or backslash\$"' sh "$rc" "$out"

ex docker --uid udsgw-reader GET /a/../containers/json
check "dot segment: 400 (rc $rc)" \
    sh -c '[ "$1" -eq 1 ] && printf "%s\n" "$2" | grep -q "^target: 400: dot segment\$"' sh "$rc" "$out"

ex docker --uid udsgw-reader GET /v%31.24/containers/json
check "/v%31.24/containers/json is normalised, then the prefix skipped (rc $rc, $(oneline "$out"))" \
    sh -c '[ "$1" -eq 0 ] && printf "%s\n" "$2" | grep -q "^target: /v1.24/containers/json\$" &&
    printf "%s\n" "$2" | grep -q "^match: /containers/json (version prefix /v1.24 ignored)\$"' sh "$rc" "$out"

ex docker --uid deploy --groups docker-api POST /containers/abc/kill?signal=SIGKILL
check "kill?signal=SIGKILL is not kill?signal=SIGHUP (rc $rc)" [ "$rc" -eq 1 ]
ex docker --uid deploy --groups docker-api POST /containers/abc/kill?signal=%53IGHUP
check "kill?signal=%53IGHUP is normalised to SIGHUP (rc $rc)" [ "$rc" -eq 0 ]

ex nosuch --uid 0 GET /
check "unknown listener: exit 2 (rc $rc)" [ "$rc" -eq 2 ]
check "... named ($(oneline "$out"))" has "$out" "has no listener 'nosuch'"

cat >"$T/echo.policy" <<EOP
listener echo {
	path	$T/echo.sock
	service	echo
	allow	any
}
EOP
out=$("$BIN" explain -f "$T/echo.policy" echo --uid 0 GET / 2>&1); rc=$?
check "not a proxy listener: exit 2 (rc $rc, $(oneline "$out"))" \
    sh -c '[ "$1" -eq 2 ] && printf "%s\n" "$2" | grep -q "is echo, not proxy"' sh "$rc" "$out"
"$BIN" explain -f "$P" docker GET / >/dev/null 2>&1; rc=$?
check "no --uid: usage error, exit 2 (rc $rc)" [ "$rc" -eq 2 ]

# Unprivileged, and nothing is created.
chmod 0644 "$P"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$BIN" explain -f "$P" docker --uid udsgw-reader GET /_ping 2>&1); rc=$?
check "as nobody: works (rc $rc, $(oneline "$out"))" [ "$rc" -eq 0 ]
check "nothing created" [ ! -e /run/uds-gateway/docker.sock ]

# The warning of -t: a route after the catch-all.
printf '%s\n' '/^	route	\*	/a' '	route	GET	/late	allow any' . w q | ed -s "$P"
out=$("$BIN" -t -f "$P" 2>&1 >/dev/null); rc=$?
check "-t: a route after the catch-all is a warning, exit 0 (rc $rc)" [ "$rc" -eq 0 ]
check "... at its file:line:col ($(oneline "$out"))" \
    has "$out" "^$P:$(line '/late'):12: warning: route can never match: the catch-all route at line $(line '/\*\*') of listener 'docker' decides every request first\$"
