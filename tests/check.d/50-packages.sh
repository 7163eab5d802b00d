#!/bin/sh
# check.d: packages (deb and rpm built and linted, the unit checked, the .deb installed, run, purged)
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero if any failed.
# Needs root (apt-get, dpkg -i). Builds in build-deb/ and build-rpm/.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
MAKE=${MAKE:-make}
fails=0
ok() { echo "ok - packages: $*"; }
notok() { echo "not ok - packages: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
T=$(mktemp -d /tmp/udsgw-pkg.XXXXXX)
GW_PID=
cleanup() {
	[ -n "$GW_PID" ] && kill -KILL "$GW_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
start=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
	notok "need root (apt-get, dpkg -i); run make check as root"
	exit 1
fi

# --- tools -------------------------------------------------------------
. tests/check.d/install.inc
install_missing "dpkg-buildpackage:dpkg-dev dh:debhelper debuild:devscripts \
    lintian:lintian rpmbuild:rpm rpmlint:rpmlint systemd-analyze:systemd \
    systemd-sysusers:systemd socat:socat curl:curl pkg-config:pkg-config \
    groff:groff man:man-db" "libseccomp-dev libcap-dev libssl-dev"

# --- man pages render without warnings ------------------------------------
for m in docs/uds-gateway.8 docs/uds-gateway.policy.5; do
	w=$(groff -mandoc -Tutf8 -ww -z "$m" 2>&1)
	if [ -z "$w" ]; then ok "$m renders without groff warnings"
	else printf '%s\n' "$w" | sed 's/^/#   /'; notok "$m renders without groff warnings"; fi
done

# --- build -------------------------------------------------------------
if $MAKE -s deb >"$T/deb.log" 2>&1; then
	ok "make deb"
else
	tail -30 "$T/deb.log" | sed 's/^/#   /'; notok "make deb"
fi
DEB=$(ls build-deb/uds-gateway_*_*.deb 2>/dev/null | head -1)
CHANGES=$(ls build-deb/uds-gateway_*.changes 2>/dev/null | head -1)
if $MAKE -s rpm >"$T/rpm.log" 2>&1; then
	ok "make rpm"
else
	tail -30 "$T/rpm.log" | sed 's/^/#   /'; notok "make rpm"
fi

# --- lint --------------------------------------------------------------
if [ -n "$CHANGES" ]; then
	out=$(lintian --fail-on error,warning "$CHANGES" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v '^running with root privileges' |
	    grep . | sed 's/^/#   /'
	check "lintian --fail-on error,warning: clean" test "$rc" -eq 0
else
	notok "lintian: no .changes to check"
fi
RPMS=$(find build-rpm/RPMS build-rpm/SRPMS -name '*.rpm' 2>/dev/null)
if [ -n "$RPMS" ]; then
	out=$(rpmlint -c packaging/rpm/rpmlint.toml $RPMS \
	    build-rpm/SPECS/uds-gateway.spec 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E ': (E|W): |checked;' | sed 's/^/#   /'
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q ' 0 errors, 0 warnings'
	then ok "rpmlint: 0 errors, 0 warnings"; else notok "rpmlint: 0 errors, 0 warnings"; fi
else
	notok "rpmlint: no rpm to check"
fi

# --- the unit, offline ---------------------------------------------------
# Exposure: the parent must be root with six capabilities, chroot() and
# @privileged calls for its workers; 1.5 is the floor of this design and
# the issue's limit (SECURITY.md, "The systemd unit, step by step").
out=$(systemd-analyze security --offline=true --threshold=15 \
    packaging/systemd/uds-gateway.service 2>&1); rc=$?
lvl=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure ${lvl:-?} <= 1.5" test "$rc" -eq 0

# --- install, check, run by hand, purge ----------------------------------
if [ -z "$DEB" ]; then
	notok "no .deb to install"
	exit 1
fi
dpkg --purge uds-gateway >/dev/null 2>&1
if dpkg -i "$DEB" >"$T/dpkg.log" 2>&1; then ok "dpkg -i $(basename "$DEB")"
else sed 's/^/#   /' "$T/dpkg.log"; notok "dpkg -i"; fi
# Under a systemd PID 1 the postinst (dh_installsystemd) has started the
# service, which holds the lock files and sockets the run by hand below
# needs: stop it (the socket unit too, if anything started it). The
# purge's prerm then finds it stopped, which it handles.
if [ -d /run/systemd/system ]; then
	systemctl stop uds-gateway.service uds-gateway.socket >/dev/null 2>&1 || :
fi
check "user uds-gateway exists" sh -c "getent passwd uds-gateway >/dev/null"
check "group uds-gateway-clients exists" sh -c "getent group uds-gateway-clients >/dev/null"
check "policy is a conffile" sh -c \
    "dpkg-query -W -f='\${Conffiles}' uds-gateway | grep -q ' /etc/uds-gateway/gateway.policy '"
check "uds-gateway -t -f /etc/uds-gateway/gateway.policy" sh -c \
    'uds-gateway -t -f /etc/uds-gateway/gateway.policy >/dev/null'
for u in uds-gateway.service uds-gateway.socket; do
	f=$(ls /lib/systemd/system/$u /usr/lib/systemd/system/$u 2>/dev/null | head -1)
	out=$(systemd-analyze verify "$f" 2>&1)
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
	check "systemd-analyze verify $u prints nothing" test -n "$f" -a -z "$out"
done

# Run by hand on the packaged policy, as the unit would (umask aside).
/usr/sbin/uds-gateway -f /etc/uds-gateway/gateway.policy 2>"$T/gw.log" &
GW_PID=$!
n=100
while [ $n -gt 0 ] && ! grep -qs 'ready:' "$T/gw.log"; do sleep 0.1; n=$((n - 1)); done
if grep -qs 'ready:' "$T/gw.log"; then ok "installed daemon ready"
else sed 's/^/#   /' "$T/gw.log"; notok "installed daemon ready"; fi
for s in echo http; do
	check "$s.sock is root uds-gateway-clients 660" test \
	    "$(stat -c '%U %G %a %F' /run/uds-gateway/$s.sock 2>/dev/null)" = \
	    "root uds-gateway-clients 660 socket"
done
check "curl /healthz on http.sock" test "$(curl -s --max-time 5 \
    --unix-socket /run/uds-gateway/http.sock http://localhost/healthz)" = ok
check "echo through echo.sock (socat)" test "$(echo hello-pkg |
    socat -t 5 -T 5 - UNIX-CONNECT:/run/uds-gateway/echo.sock)" = hello-pkg
kill -TERM "$GW_PID" 2>/dev/null
# At most 10 s (the packaged shutdown_timeout is 5 s), then SIGKILL.
n=100
while [ $n -gt 0 ] && kill -0 "$GW_PID" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
killed=
if kill -0 "$GW_PID" 2>/dev/null; then
	kill -KILL "$GW_PID" 2>/dev/null
	killed=" (still running 10 s after SIGTERM: SIGKILL)"
fi
wait "$GW_PID"; rc=$?
GW_PID=
check "SIGTERM: exit 0, sockets removed$killed" test "$rc" -eq 0 -a \
    ! -e /run/uds-gateway/http.sock -a ! -e /run/uds-gateway/echo.sock

if dpkg --purge uds-gateway >"$T/purge.log" 2>&1; then ok "dpkg --purge"
else sed 's/^/#   /' "$T/purge.log"; notok "dpkg --purge"; fi
check "purge removed binary, policy, units" sh -c \
    '! [ -e /usr/sbin/uds-gateway ] && ! [ -e /etc/uds-gateway ] &&
     ! [ -e /lib/systemd/system/uds-gateway.service ] &&
     ! [ -e /etc/systemd/system/multi-user.target.wants/uds-gateway.service ]'
check "dpkg knows nothing of uds-gateway after purge" sh -c \
    '! dpkg-query -W -f="\${Status}" uds-gateway 2>/dev/null | grep -q installed'
# The user and group stay (Debian policy for system users; README.Debian).

echo "# packages: $(($(date +%s) - start)) s"
[ "$fails" -eq 0 ]
