# uds-gateway -t: exit 0 and the effective settings for a valid policy
# (every shipped one among them), exit 1 and file:line:col for each error
# of an invalid one; nothing is created.
. "$(dirname "$0")/lib.sh"

# Every policy the project ships passes -t, once the users and groups it
# names exist: the package's (uds-gateway, made by lib.sh, and
# uds-gateway-clients) and those of the examples. The template
# default.policy too: its @RUNDIR@ and @GROUP@ are expanded as for the
# embedded one.
made_groups=
made_users=
trap 'for u in $made_users; do userdel "$u" 2>/dev/null; done; for g in $made_groups; do groupdel "$g" 2>/dev/null; done; userdel udsgw-gid0 2>/dev/null; cleanup' EXIT
for g in uds-gateway-clients uds-clients staff www-data docker docker-api \
    docker-readers; do
	getent group "$g" >/dev/null && continue
	if groupadd --system "$g"; then made_groups="$made_groups $g"
	else notok "groupadd $g"; fi
done
for u in deploy; do
	getent passwd "$u" >/dev/null && continue
	if useradd --system --no-create-home --user-group "$u"; then
		made_users="$made_users $u"; made_groups="$made_groups $u"
	else notok "useradd $u"; fi
done
nshipped=0
for f in "$TOP"/policy/*.policy "$TOP"/policy/examples/*.policy; do
	out=$("$BIN" -t -f "$f" 2>&1); rc=$?
	check "-t accepts the shipped ${f#$TOP/} (rc $rc): $(printf '%s' "$out" | grep -v '^#' | head -2 | tr '\n' ' ')" \
	    [ "$rc" -eq 0 ]
	nshipped=$((nshipped + 1))
done
check "shipped policies checked: $nshipped (at least 5)" [ "$nshipped" -ge 5 ]
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
oneline() { printf '%s' "$1" | tr '\n' '|'; }
out=$("$BIN" -t -f "$TOP/policy/default.policy" 2>&1)
check "-t of the template shows the expanded path" \
    has "$out" "^	path /run/uds-gateway/echo.sock\$"

# Without the package's user and group (hidden in a mount namespace),
# -t on the packaged policy names both, in one run, with how to get them.
grep -v '^uds-gateway:' /etc/passwd >"$T/passwd"
grep -v '^uds-gateway\(-clients\)\{0,1\}:' /etc/group >"$T/group"
hidden() {
	unshare -m sh -c 'mount --bind "$1" /etc/passwd &&
	    mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
	    sh "$T/passwd" "$T/group" "$@"
}
G=$TOP/policy/gateway.policy
out=$(hidden "$BIN" -t -f "$G" 2>&1); rc=$?
check "no uds-gateway user or group: -t gateway.policy exit 1 (got $rc)" [ "$rc" -eq 1 ]
ul=$(grep -n '^user' "$G" | head -1 | cut -d: -f1)
check "... unknown user 'uds-gateway' at $ul, the package or useradd ($(oneline "$out"))" \
    has "$out" "^$G:$ul:[0-9]*: unknown user 'uds-gateway' (created by the uds-gateway package; or: useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group uds-gateway)\$"
check "... and every use of group uds-gateway-clients, the package or groupadd" \
    [ "$(printf '%s\n' "$out" | grep -c "unknown group 'uds-gateway-clients' (created by the uds-gateway package; or: groupadd --system uds-gateway-clients)\$")" -eq "$(grep -c '^[^#]*uds-gateway-clients' "$G")" ]
cat >"$T/nouser.policy" <<EOP
listener echo {
	path	$T/nouser.sock
	service	echo
	allow	any
}
EOP
out=$(hidden "$BIN" -t -f "$T/nouser.policy" 2>&1); rc=$?
check "no 'user', no uds-gateway user: exit 1 (got $rc), the default user's hint ($(oneline "$out"))" \
    has "$out" "^$T/nouser.policy: unknown user 'uds-gateway' (the default worker user when started as root; created by the uds-gateway package; or: useradd --system .* --user-group uds-gateway), or set 'user'\$"

# Every error in one run, each at its place, with "did you mean".
cat >"$T/multi.policy" <<EOP
workrs 2
listener echo {
	path	$T/multi.sock
	service	echo
	mdoe	0600
	allow	any
	colour	blue
}
EOP
out=$("$BIN" -t -f "$T/multi.policy" 2>&1); rc=$?
check "three errors: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "... three lines ($(oneline "$out"))" [ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ]
check "... workrs at 1:1, did you mean 'workers'" \
    has "$out" "^$T/multi.policy:1:1: unknown key 'workrs' at global scope; did you mean 'workers'?\$"
check "... mdoe at 5:2, did you mean 'mode'" \
    has "$out" "^$T/multi.policy:5:2: unknown key 'mdoe' in listener 'echo'; did you mean 'mode'?\$"
check "... colour at 7:2, nothing near" \
    has "$out" "^$T/multi.policy:7:2: unknown key 'colour' in listener 'echo'\$"
"$BIN" -f "$T/multi.policy" 2>"$T/multi.err"; rc=$?
check "the daemon: exit 78 (got $rc)" [ "$rc" -eq 78 ]
check "... the same three lines" [ "$(cat "$T/multi.err")" = "$out" ]
i=0
while [ $i -lt 30 ]; do echo "bogus$i 1"; i=$((i + 1)); done >"$T/many.policy"
out=$("$BIN" -t -f "$T/many.policy" 2>&1)
check "30 errors: 20 reported" [ "$(printf '%s\n' "$out" | grep -c 'unknown key')" -eq 20 ]
check "... then 'too many errors'" [ "$(printf '%s\n' "$out" | tail -1)" = "$T/many.policy: too many errors, stopped after 20" ]

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
"$BIN" -t --default-policy >"$T/def.out" 2>&1; rc=$?
check "-t --default-policy: valid, sockets of group root" \
    test "$rc" -eq 0 -a "$(grep -c '^	group root$' "$T/def.out")" -eq 2
SUDO_GID=$(getent group nogroup | cut -d: -f3) "$BIN" -t --default-policy \
    >"$T/def.out" 2>&1; rc=$?
check "-t --default-policy under sudo (SUDO_GID): sockets of that group" \
    test "$rc" -eq 0 -a "$(grep -c '^	group nogroup$' "$T/def.out")" -eq 2
out=$(SUDO_GID=12x "$BIN" -t --default-policy 2>&1); rc=$?
check "-t --default-policy, SUDO_GID=12x: exit 1 ($out)" sh -c \
    "[ $rc -eq 1 ] && printf '%s' '$out' | grep -q 'SUDO_GID'"
"$BIN" -t --default-policy -f "$T/bad.policy" >/dev/null 2>&1; rc=$?
check "--default-policy with -f: usage, exit 2 (got $rc)" [ "$rc" -eq 2 ]
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
	cp "$T/multi.policy" "$T/g0.policy"
	kill -HUP "$GW_PID"
	check "reload with three errors: one log line, the first and how many more" \
	    wait_for 10 grep -q "reload failed, the current policy stays: $T/g0.policy:1:1: unknown key 'workrs' at global scope; did you mean 'workers'? (and 2 more errors: uds-gateway -t shows them)" "$GW_LOG"
	stop_gw
	check "... SIGTERM: exit 0 (got $GW_STATUS)" [ "$GW_STATUS" -eq 0 ]
else
	notok "daemon as nobody: ready"
fi
