# uds-gateway -t: exit 0 and the effective settings for a valid policy,
# exit 1 and file:line:col for an invalid one; nothing is created.
. "$(dirname "$0")/lib.sh"

for f in "$TOP"/policy/examples/*.policy "$TOP"/policy/gateway.policy; do
	case $f in *abstract-with-token*) continue ;; esac
	[ -f "$f" ] || continue
	# Examples name users and groups that may not exist here.
	out=$("$BIN" -t -f "$f" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		ok "-t accepts $(basename "$f")"
	elif printf '%s' "$out" | grep -q "unknown \(user\|group\)"; then
		ok "-t on $(basename "$f"): only an unknown name here ($out)"
	else
		notok "-t $(basename "$f"): $out"
	fi
done
cat >"$T/bad.policy" <<EOP
listener echo {
	path	$T/never.sock
	service	echo
	colour	blue
	allow	any
}
EOP
out=$("$BIN" -t -f "$T/bad.policy" 2>&1); rc=$?
check "-t invalid: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "-t invalid: file:line:col message ($out)" sh -c "printf '%s' '$out' | grep -q '^$T/bad.policy:4:2: '"
"$BIN" -f "$T/bad.policy" 2>/dev/null; rc=$?
check "daemon with invalid policy: exit 78 (EX_CONFIG), got $rc" [ "$rc" -eq 78 ]
check "invalid policy: nothing created" [ ! -e "$T/never.sock" ] && [ ! -e "$T/never.sock.lock" ]
out=$("$BIN" -t 2>&1); rc=$?
check "-t with no -f: the embedded default is valid" [ "$rc" -eq 0 ]
check "--version" sh -c "'$BIN' --version | grep -q '^uds-gateway [0-9]'"
check "--help" sh -c "'$BIN' --help | grep -q usage"
