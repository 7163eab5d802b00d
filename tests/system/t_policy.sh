# uds-gateway -t: exit 0 and the effective settings for a valid policy,
# exit 1 and file:line:col for an invalid one; nothing is created.
. "$(dirname "$0")/lib.sh"

for f in "$TOP"/policy/examples/*.policy "$TOP"/policy/gateway.policy; do
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

# nofile above the gateway's hard limit, without CAP_SYS_RESOURCE: the
# workers could never set it, so it is a policy error at load, with its
# position, for -t, at start and on reload (the old policy stays) --
# not workers that all die at start-up.
cat >"$T/lim" <<EOS
#!/bin/sh
exec setpriv --bounding-set -sys_resource prlimit --nofile=1000:1000 "$BIN" "\$@"
EOS
chmod 0755 "$T/lim"
nf_policy() {
	cat >"$T/nf.policy" <<EOP
nofile $1
listener echo {
	path	$T/nf.sock
	service	echo
	allow	any
}
EOP
}
nf_policy 1001
out=$("$T/lim" -t -f "$T/nf.policy" 2>&1); rc=$?
check "nofile 1001, hard limit 1000, no CAP_SYS_RESOURCE: -t exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "... at file:line:col, naming the limit ($out)" sh -c "printf '%s' '$out' | grep -q '^$T/nf.policy:1:8: nofile 1001 is above the hard RLIMIT_NOFILE of 1000'"
"$T/lim" -f "$T/nf.policy" 2>/dev/null; rc=$?
check "... the daemon: exit 78 (got $rc)" [ "$rc" -eq 78 ]
nf_policy 1000
out=$("$T/lim" -t -f "$T/nf.policy" 2>&1); rc=$?
check "nofile 1000, at the hard limit: -t exit 0 (got $rc)" [ "$rc" -eq 0 ]
head -c 4096 /dev/urandom >"$T/nf.data"
real_bin=$BIN
BIN=$T/lim
if start_gw "$T/nf.policy"; then
	ok "daemon with nofile at the hard limit: ready"
	nf_policy 65536
	kill -HUP "$GW_PID"
	check "reload to nofile 65536: refused, the current policy stays" \
	    wait_for 10 grep -q 'reload failed, the current policy stays: .*nofile 65536 is above' "$GW_LOG"
	check "... echo still served" echo_roundtrip "$T/nf.sock" "$T/nf.data"
	check "... no worker died" sh -c "! grep -q 'during start-up\|restarting worker' '$GW_LOG'"
	stop_gw
	check "... SIGTERM: exit 0 (got $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
else
	notok "daemon with nofile at the hard limit: ready"
fi
BIN=$real_bin

# A worker user whose primary group is root: privdrop would refuse it in
# every worker, so it is refused where the policy is resolved.
useradd -r -g 0 -M -d /nonexistent -s /usr/sbin/nologin udsgw-gid0 2>/dev/null
trap 'userdel udsgw-gid0 2>/dev/null; cleanup' EXIT
g0_policy() {
	cat >"$T/g0.policy" <<EOP
$1
listener echo {
	path	$T/g0.sock
	service	echo
	allow	any
}
EOP
}
g0_policy "user udsgw-gid0"
out=$("$BIN" -t -f "$T/g0.policy" 2>&1); rc=$?
check "user with primary group 0: -t exit 1 (got $rc)" [ "$rc" -eq 1 ]
has() { printf '%s' "$1" | grep -q "$2"; }
check "... at file:line:col ($out)" \
    has "$out" "^$T/g0.policy:1:6: worker user 'udsgw-gid0' has primary group 0 (root)"
"$BIN" -f "$T/g0.policy" 2>/dev/null; rc=$?
check "... the daemon: exit 78 (got $rc)" [ "$rc" -eq 78 ]
g0_policy "user nobody"
if start_gw "$T/g0.policy"; then
	g0_policy "user udsgw-gid0"
	kill -HUP "$GW_PID"
	check "reload to it: refused, the current policy stays" \
	    wait_for 10 grep -q 'reload failed, the current policy stays: .*primary group 0' "$GW_LOG"
	check "... echo still served" echo_roundtrip "$T/g0.sock" "$T/nf.data"
	stop_gw
	check "... SIGTERM: exit 0 (got $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
else
	notok "daemon as nobody: ready"
fi
