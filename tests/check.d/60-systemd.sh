#!/bin/sh
# check.d: systemd (the packaged unit under a real systemd: a Debian 12 container booted with systemd-nspawn)
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero if any failed.
# Needs root (apt-get, debootstrap, systemd-nspawn, nsenter). Debootstraps
# bookworm once into build-nspawn/root (reused while build-nspawn/root.done
# names the same suite and packages), installs build-deb's .deb in it,
# boots it with systemd-nspawn -b and drives systemctl in it with nsenter;
# the host, which sees every process, reads the service's /proc status.
# The mirror for debootstrap: this machine's own apt sources (a local
# mirror or proxy works), or UDSGW_DEBIAN_MIRROR (mirror.inc).
# One run at a time: build-nspawn/lock (flock); a container an earlier,
# killed run left running in the rootfs is killed before anything else.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
MAKE=${MAKE:-make}
fails=0
ok() { echo "ok - systemd: $*"; }
notok() { echo "not ok - systemd: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
indent() { sed 's/^/#   /'; }
start=$(date +%s)

SUITE=bookworm
. tests/check.d/mirror.inc
MIRROR=$(apt_mirror "$SUITE") || MIRROR=
# apt_mirror on sources of each kind (comments, options, deb822
# paragraphs, a disabled one), then on this machine's.
AT=$(mktemp -d /tmp/udsgw-apt.XXXXXX)
mkdir -p "$AT/sources.list.d"
printf '%s\n' '# deb http://commented.invalid/debian bookworm main' \
    'deb-src http://src.invalid/debian bookworm main' \
    'deb [arch=amd64 signed-by=/k.gpg] http://one-line.invalid/debian/ bookworm main' \
    >"$AT/sources.list"
printf '%s\n' 'Types: deb' 'URIs: http://off.invalid/debian' 'Suites: bookworm' \
    'Enabled: no' '' 'Types: deb' '# a comment inside' \
    'URIs: http://deb822.invalid/debian' 'Suites: bookworm bookworm-updates' \
    'Components: main' >"$AT/sources.list.d/debian.sources"
m1=$(APT_ETC=$AT apt_mirror bookworm)
rm "$AT/sources.list"
m2=$(APT_ETC=$AT apt_mirror bookworm)
m3=$(APT_ETC=$AT UDSGW_DEBIAN_MIRROR=http://env.invalid/debian apt_mirror bookworm)
rm -rf "$AT"
check "apt_mirror: one-line source first ($m1), deb822 with comments ($m2), UDSGW_DEBIAN_MIRROR ($m3)" \
    test "$m1 $m2 $m3" = "http://one-line.invalid/debian http://deb822.invalid/debian http://env.invalid/debian"
echo "# Debian mirror of this machine's apt sources: ${MIRROR:-none}"
# systemd as PID 1 and the clients; the .deb's dependencies are added
# below (the container has no network: dpkg -i cannot fetch them). Else
# the rootfs is minbase: what a package may assume without Depends:.
BASE_INCLUDE=systemd,systemd-sysv,dbus,socat,curl
NSDIR=$TOP/build-nspawn
R=$NSDIR/root
MARK=$NSDIR/root.done
MACHINE=udsgw-check
UNIT=$R/lib/systemd/system/uds-gateway.service
# --register=no --keep-unit: no systemd (nor machined) on the host to
# register with. --private-network: a network namespace of its own, and
# with it CAP_NET_ADMIN, as PID 1 of a real host has (PrivateNetwork=
# configures the service's loopback device with it).
# --link-journal=no: leave the host's /var/log/journal alone.
NSPAWN_OPTS="--quiet --register=no --keep-unit --machine=$MACHINE
    --link-journal=no --private-network"
# A hybrid host (cgroup2 at /sys/fs/cgroup/unified) would otherwise give
# the container cgroup v1 ("System is tainted: cgroupsv1"), where the
# unit's IPAddressDeny= has no BPF to work with; a Debian 12 host runs
# the unified hierarchy, so ask for it (systemd's docs/ENVIRONMENT.md).
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY
fi

# Capability names by number (linux/capability.h); cap_mask NAMES... prints
# the mask of CAP_NAMES (or "?NAME" for an unknown one), cap_names MASK the
# names in a mask.
CAPS="chown dac_override dac_read_search fowner fsetid kill setgid setuid
    setpcap linux_immutable net_bind_service net_broadcast net_admin net_raw
    ipc_lock ipc_owner sys_module sys_rawio sys_chroot sys_ptrace sys_pacct
    sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod
    lease audit_write audit_control setfcap mac_override mac_admin syslog
    wake_alarm block_suspend audit_read perfmon bpf checkpoint_restore"
cap_mask() {
	m=0
	for nm in "$@"; do
		lc=$(echo "$nm" | tr '[:upper:]' '[:lower:]' | sed 's/^cap_//')
		i=0 bit=
		for c in $CAPS; do
			[ "$c" = "$lc" ] && { bit=$i; break; }
			i=$((i + 1))
		done
		[ -n "$bit" ] || { echo "?$nm"; return 1; }
		m=$((m | (1 << bit)))
	done
	printf '%016x\n' "$m"
}
cap_names() {
	i=0 out=
	for c in $CAPS; do
		[ $(((0x$1 >> i) & 1)) -eq 1 ] && out="$out${out:+,}cap_$c"
		i=$((i + 1))
	done
	echo "$out"
}

T=$(mktemp -d /tmp/udsgw-nspawn.XXXXXX)
DB_PID=		# timeout debootstrap, our child
NS_PID=		# systemd-nspawn -b, our child
CPID=		# the container's PID 1, as the host sees it

# Mount points at or under $1 in our mount namespace, deepest first.
mounts_under() {
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' \
	    /proc/self/mountinfo | sort -r
}
umount_under() {
	for m in $(mounts_under "$1"); do umount -l "$m" 2>/dev/null; done
}

# The cgroup and /run directories systemd-nspawn created (computed once
# the lock is held, below); rmdir_new removes them when empty.
NEW_DIRS=
rmdir_new() {
	for d in $NEW_DIRS; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}

# find_cpid TICKS: wait up to TICKS/10 s for the container's PID 1 (a
# child of systemd-nspawn whose innermost pid is 1).
find_cpid() {
	n=$1
	while [ "$n" -gt 0 ] && [ -z "$CPID" ] && kill -0 "$NS_PID" 2>/dev/null; do
		for p in $(pgrep -P "$NS_PID"); do
			[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 ] &&
			    CPID=$p
		done
		[ -n "$CPID" ] || sleep 0.1
		n=$((n - 1))
	done
	[ -n "$CPID" ]
}
# PID 1s of PID namespaces whose root is build-nspawn/root, as host pids.
strays() {
	root=$(stat -c %d:%i "$R" 2>/dev/null) || return 0
	grep -H '^NSpid:' /proc/[0-9]*/status 2>/dev/null |
	    awk 'NF > 2 && $NF == 1 { split($1, a, "/"); print a[3] }' |
	while read -r p; do
		[ "$(stat -L -c %d:%i "/proc/$p/root" 2>/dev/null)" = "$root" ] || continue
		echo "$p"
	done
}
# alive PID: PID exists and is not a zombie (a PID 1 is one only once
# its whole PID namespace is gone; an orphan may wait to be reaped).
alive() {
	s_=$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$s_" ] && [ "$s_" != Z ]
}
# SIGKILL for a PID 1 takes its whole PID namespace down. Waits at most
# 5 s for each; prints the pids still alive.
kill_inits() {
	for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
	for p in "$@"; do
		n=50
		while [ $n -gt 0 ] && alive "$p"; do sleep 0.1; n=$((n - 1)); done
	done
	for p in "$@"; do alive "$p" && echo "$p"; done
}

# Power the container off (systemd-nspawn turns SIGTERM into SIGRTMIN+3
# for the container's systemd), wait at most 30 s, then kill it. Not
# before the container has started (systemd-nspawn killed in its first
# moments leaves it behind), and again every 2 s: a systemd still
# starting has no handler yet, and a PID 1 never gets the signals it
# does not handle. Whatever is still in the rootfs afterwards is killed.
teardown() {
	rc=0
	if [ -n "$NS_PID" ]; then
		[ -n "$CPID" ] || find_cpid 50
		n=300
		while [ "$n" -gt 0 ] && kill -0 "$NS_PID" 2>/dev/null; do
			[ $((n % 20)) -eq 0 ] && kill -TERM "$NS_PID" 2>/dev/null
			sleep 0.1; n=$((n - 1))
		done
		if kill -0 "$NS_PID" 2>/dev/null; then
			echo "# systemd-nspawn $NS_PID still running after 30 s: SIGKILL"
			kill -KILL "$NS_PID" 2>/dev/null
			rc=1
		fi
		wait "$NS_PID" || rc=$?
		NS_PID=
	fi
	left=$( { [ -n "$CPID" ] && [ -d "/proc/$CPID" ] && echo "$CPID"; strays; } | sort -u)
	if [ -n "$left" ]; then
		echo "# container processes left behind: SIGKILL for $(echo "$left" | tr '\n' ' ')"
		# shellcheck disable=SC2086
		kill_inits $left >/dev/null
		rc=1
	fi
	CPID=
	umount_under "$R"
	rmdir_new
	return $rc
}
LOCKED=		# we hold build-nspawn/lock: the rootfs and its containers are ours
cleanup() {
	# timeout passes the signal on to debootstrap's whole process group.
	if [ -n "$DB_PID" ]; then kill -TERM "$DB_PID" 2>/dev/null; wait "$DB_PID"; fi
	[ -n "$LOCKED" ] && teardown 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT TERM HUP

if [ "$(id -u)" -ne 0 ]; then
	notok "need root (debootstrap, systemd-nspawn); run make check as root"
	exit 1
fi

# --- one run at a time ----------------------------------------------------
# Another run's container, mounts and rootfs are not ours to kill, unmount
# or remove. The lock is held on fd 9: debootstrap and make deb keep it
# (bounded work on build-nspawn/ and build-deb/), but systemd-nspawn and
# whatever runs in the container get it closed, so that a container a
# killed run left behind does not hold the lock (it is killed below).
mkdir -p "$NSDIR"
exec 9>"$NSDIR/lock"
if ! flock -n 9; then
	notok "build-nspawn is in use by another run (flock $NSDIR/lock)"
	exit 1
fi
LOCKED=1

# A run killed from outside (a CI timeout) leaves systemd-nspawn, in a
# session of its own, and its container running: kill every PID 1 rooted
# at build-nspawn/root and its systemd-nspawn, by pid, bounded.
old=$(strays)
if [ -n "$old" ]; then
	nsp=
	for p in $old; do
		pp=$(awk '$1 == "PPid:" { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$pp" ] && [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = systemd-nspawn ] &&
		    nsp="$nsp $pp"
	done
	echo "# left in build-nspawn/root by an earlier run: container PID 1 $(echo "$old" | tr '\n' ' ')systemd-nspawn${nsp:- none}: SIGKILL"
	# The PID 1s first, while their systemd-nspawn is there to reap them.
	# shellcheck disable=SC2086
	stuck=$(kill_inits $old; kill_inits $nsp; strays)
	umount_under "$R"
	if [ -n "$stuck" ]; then
		notok "an earlier run's container in build-nspawn/root would not go (pids $(echo "$stuck" | sort -u | tr '\n' ' '))"
		exit 1
	fi
fi

# systemd-nspawn --keep-unit moves itself and the container into
# "supervisor" and "payload" below our cgroup and leaves them behind:
# remember which exist now, remove the ones it created once it is gone
# (NEW_DIRS, rmdir_new above).
for h in systemd unified; do
	cg=$(sed -n "s/^[0-9]*:name=systemd://p" /proc/self/cgroup)
	[ "$h" = unified ] && cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
	base=/sys/fs/cgroup/$h
	[ "$h" = unified ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] &&
	    base=/sys/fs/cgroup
	[ -d "$base" ] || continue
	for d in supervisor payload; do
		p=$base${cg%/}/$d
		[ -e "$p" ] || NEW_DIRS="$NEW_DIRS $p"
	done
done
# Its lock and propagation directories, likewise (when empty).
[ -e /run/systemd/nspawn ] || NEW_DIRS="$NEW_DIRS /run/systemd/nspawn"

# --- tools -------------------------------------------------------------
# And what make deb needs (packaging/debian/control's Build-Depends,
# build-essential, which dpkg-buildpackage checks too).
. tests/check.d/install.inc
install_missing "systemd-nspawn:systemd-container debootstrap:debootstrap \
    nsenter:util-linux pgrep:procps dpkg-buildpackage:dpkg-dev \
    dh:debhelper pkg-config:pkg-config" \
    "build-essential libseccomp-dev libcap-dev libssl-dev"

# --- the package ---------------------------------------------------------
# build-deb's .deb if it is newer than every file make deb copies (git's
# tracked and untracked, not ignored, files), else a fresh make deb.
# shellcheck disable=SC2012
DEB=$(ls build-deb/uds-gateway_*_*.deb 2>/dev/null | head -1)
stale=
if [ -z "$DEB" ]; then
	stale="no .deb in build-deb"
elif ! gone=$(git ls-files -d 2>/dev/null); then
	stale="not a git checkout: cannot tell what changed"
elif [ -n "$gone" ]; then
	stale="$(echo "$gone" | head -1) deleted"
else
	# shellcheck disable=SC2016
	stale=$(git ls-files -z -c -o --exclude-standard | xargs -0 -r sh -c \
	    'find "$@" -prune -newer "$0" -print 2>/dev/null' "$DEB" | head -1)
	[ -z "$stale" ] || stale="$stale is newer"
fi
if [ -n "$stale" ]; then
	echo "# make deb: $stale"
	if $MAKE -s deb >"$T/deb.log" 2>&1; then
		ok "make deb ($stale)"
	else
		tail -30 "$T/deb.log" | indent
		notok "make deb ($stale)"
		exit 1
	fi
	# shellcheck disable=SC2012
	DEB=$(ls build-deb/uds-gateway_*_*.deb 2>/dev/null | head -1)
else
	ok "$DEB is newer than every source file: reused"
fi
if [ -z "$DEB" ]; then
	notok "no build-deb/uds-gateway_*_*.deb (make deb failed)"
	exit 1
fi

# --- the root file system -------------------------------------------------
# The first alternative of each of the .deb's (Pre-)Depends.
deps=$(dpkg-deb -f "$DEB" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' |
    tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep .)
INCLUDE=$({ echo "$BASE_INCLUDE" | tr , '\n'; printf '%s\n' "$deps"; } |
    sort -u | tr '\n' , | sed 's/,$//')
want_mark="$SUITE $INCLUDE"
if [ -f "$MARK" ] && [ "$(cat "$MARK")" = "$want_mark" ] && [ -x "$R/lib/systemd/systemd" ]; then
	ok "rootfs build-nspawn/root ($SUITE): reused"
else
	if [ -z "$MIRROR" ]; then
		notok "no Debian mirror for $SUITE in /etc/apt/sources.list{,.d/*.list,.d/*.sources}: set UDSGW_DEBIAN_MIRROR"
		exit 1
	fi
	rm -f "$MARK"
	umount_under "$R"
	rm -rf --one-file-system "$R"
	mkdir -p "$NSDIR"
	t0=$(date +%s)
	# In the background: a trap interrupts "wait", not a foreground command.
	timeout -k 10 600 debootstrap --variant=minbase --include="$INCLUDE" \
	    "$SUITE" "$R" "$MIRROR" >"$NSDIR/debootstrap.log" 2>&1 &
	DB_PID=$!
	wait "$DB_PID"; rc=$?
	DB_PID=
	umount_under "$R"
	if [ $rc -eq 0 ]; then
		echo "$want_mark" >"$MARK"
		ok "rootfs build-nspawn/root: debootstrap $SUITE from $MIRROR ($(($(date +%s) - t0)) s)"
	else
		tail -20 "$NSDIR/debootstrap.log" | indent
		notok "rootfs build-nspawn/root: debootstrap $SUITE from $MIRROR (exit $rc)"
		exit 1
	fi
fi

# Each run purges the package at its end; an interrupted one may not have.
pkg_status() {
	dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Status}' \
	    uds-gateway 2>/dev/null
}
st=$(pkg_status)
if [ -n "$st" ] && [ "$st" != not-installed ]; then
	echo "# uds-gateway is $st in the cached rootfs (an interrupted run?): purging it"
	# shellcheck disable=SC2086
	if ! timeout -k 5 120 systemd-nspawn -D "$R" $NSPAWN_OPTS --pipe \
	    dpkg --purge uds-gateway >"$T/purge.log" 2>&1 </dev/null 9>&-; then
		indent <"$T/purge.log"
		notok "purge the earlier uds-gateway from the cached rootfs"
		exit 1
	fi
fi

# --- boot ------------------------------------------------------------------
CONSOLE=$NSDIR/console.log
# In a session of its own: a ^C for make check must reach this script
# (whose trap powers the container off), not systemd-nspawn (which would
# tear the container down) nor the container's systemd (which takes
# SIGINT for ctrl-alt-del). setsid does not fork here (we are not a
# process group leader), so $! is systemd-nspawn.
# shellcheck disable=SC2086
setsid systemd-nspawn -D "$R" $NSPAWN_OPTS --boot --console=read-only \
    </dev/null >"$CONSOLE" 2>&1 9>&- &
NS_PID=$!
if ! find_cpid 100; then
	tail -20 "$CONSOLE" | indent
	notok "systemd-nspawn --boot: no container PID 1"
	exit 1
fi

# ct CMD...: run CMD in the container (every namespace of its PID 1, its
# root and a clean environment), for at most $TMO (30) seconds.
# Its stdin is /dev/null; cti keeps ours.
cti() {
	timeout -k 5 "${TMO:-30}" nsenter -t "$CPID" -a -r -w env -i \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@" 9>&-
}
ct() { cti "$@" </dev/null; }
n=100
while [ $n -gt 0 ] && ! ct test -S /run/systemd/private 2>/dev/null; do
	sleep 0.2; n=$((n - 1))
done
state=$(TMO=95 ct timeout 90 systemctl is-system-running --wait 2>&1)
case $state in
running|degraded)
	ok "container booted (PID 1 is host pid $CPID): $state" ;;
*)
	tail -20 "$CONSOLE" | indent
	notok "container booted: ${state:-no answer}"
	exit 1 ;;
esac
ct systemctl --failed --no-legend --plain 2>&1 | indent
# What systemd-nspawn(1) grants by default (and CAP_NET_ADMIN with
# --private-network) unless the host itself lacks it.
nspawn_caps=$(cap_mask CAP_AUDIT_CONTROL CAP_AUDIT_WRITE CAP_CHOWN \
    CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_IPC_OWNER \
    CAP_KILL CAP_LEASE CAP_LINUX_IMMUTABLE CAP_MKNOD CAP_NET_BIND_SERVICE \
    CAP_NET_BROADCAST CAP_NET_RAW CAP_SETFCAP CAP_SETGID CAP_SETPCAP \
    CAP_SETUID CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_CHROOT CAP_SYS_NICE \
    CAP_SYS_PTRACE CAP_SYS_RESOURCE CAP_SYS_TTY_CONFIG CAP_NET_ADMIN)
ct_caps=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$CPID/status")
lack=$(printf '%016x' $((0x$nspawn_caps & ~0x$ct_caps)))
[ "$lack" = 0000000000000000 ] ||
    echo "# note: the container's PID 1 lacks $(cap_names "$lack") (not in this host's bounding set)"

# --- install ---------------------------------------------------------------
cp "$DEB" "$R/root/uds-gateway.deb"
if TMO=120 ct dpkg -i /root/uds-gateway.deb >"$T/dpkg.log" 2>&1; then
	ok "dpkg -i $(basename "$DEB") in the booted container"
else
	indent <"$T/dpkg.log"; notok "dpkg -i $(basename "$DEB") in the booted container"
fi
rm -f "$R/root/uds-gateway.deb"
check "the package enabled and started uds-gateway" test \
    "$(ct systemctl is-enabled uds-gateway) $(ct systemctl is-active uds-gateway)" = \
    "enabled active"
U=$(awk -F: '$1 == "uds-gateway" { print $3 }' "$R/etc/passwd")
G=$(awk -F: '$1 == "uds-gateway" { print $4 }' "$R/etc/passwd")
check "user uds-gateway (uid ${U:-?}) and group uds-gateway-clients exist" \
    sh -c "[ -n '$U' ] && grep -q '^uds-gateway-clients:' '$R/etc/group'"

# --- helpers on the service ------------------------------------------------
prop() { ct systemctl show -P "$2" "$1" 2>/dev/null; }
# The host pid of the service's main process: a child of the container's
# PID 1 whose innermost pid is MainPID.
host_main() {
	m=$(prop uds-gateway.service MainPID)
	[ -n "$m" ] && [ "$m" != 0 ] || return 1
	for p in $(pgrep -P "$CPID"); do
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = "$m" ] &&
		    { echo "$p"; return 0; }
	done
	return 1
}
workers() { pgrep -P "$1" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }
# sandboxed PID: the worker's status says uid/gid $U/$G, no capability,
# no_new_privs, a seccomp filter; prints what differs.
sandboxed() {
	bad=
	[ "$(field "$1" Uid)" = "$U $U $U $U" ] || bad="$bad Uid=$(field "$1" Uid | tr ' ' ,)"
	[ "$(field "$1" Gid)" = "$G $G $G $G" ] || bad="$bad Gid=$(field "$1" Gid | tr ' ' ,)"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field "$1" $c)" = 0000000000000000 ] || bad="$bad $c=$(field "$1" $c)"
	done
	[ "$(field "$1" NoNewPrivs)" = 1 ] || bad="$bad NoNewPrivs=$(field "$1" NoNewPrivs)"
	[ "$(field "$1" Seccomp)" = 2 ] || bad="$bad Seccomp=$(field "$1" Seccomp)"
	[ -z "$bad" ] || echo "#   worker $1:$bad"
	[ -z "$bad" ]
}
check_workers() {
	label=$1 hm=$2
	ws=$(workers "$hm")
	good=1
	for w in $ws; do sandboxed "$w" || good=0; done
	check "$label: workers ($ws) run as uds-gateway, no capabilities, NoNewPrivs 1, Seccomp 2" \
	    test -n "$ws" -a "$good" = 1
}
sock_is() { # PATH: root uds-gateway-clients 660 socket
	test "$(ct stat -c '%U %G %a %F' "$1" 2>/dev/null)" = \
	    "root uds-gateway-clients 660 socket"
}
healthz() {
	test "$(ct curl -s --max-time 5 --unix-socket /run/uds-gateway/http.sock \
	    http://localhost/healthz 2>/dev/null)" = ok
}
echoes() {
	test "$(echo "$1" | cti socat -t 5 -T 5 - \
	    UNIX-CONNECT:/run/uds-gateway/echo.sock 2>/dev/null)" = "$1"
}
journal() { ct journalctl -b -u uds-gateway.service --no-pager -o cat 2>/dev/null; }
# The journal of one invocation of the service (its InvocationID): what
# it, and its ExecStartPre=, wrote.
journal_inv() {
	ct journalctl _SYSTEMD_INVOCATION_ID="$1" --no-pager -o cat 2>/dev/null
}
# The unit's last NAME= line ("" if none).
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }

# --- the package, by hand -------------------------------------------------------
# What the host must not do to its own packages (50-packages.sh): the
# installed files, and the daemon run by hand on the packaged policy.
check "policy is a conffile" sh -c \
    "dpkg-query --admindir='$R/var/lib/dpkg' -W -f='\${Conffiles}' uds-gateway |
    grep -q ' /etc/uds-gateway/gateway.policy '"
check "uds-gateway -t -f /etc/uds-gateway/gateway.policy" \
    ct sh -c '/usr/sbin/uds-gateway -t -f /etc/uds-gateway/gateway.policy >/dev/null'
# --man=no: the minimal rootfs has no man; 50-packages.sh checks that
# the .deb ships the pages the units' Documentation= names.
for u in uds-gateway.service uds-gateway.socket; do
	out=$(ct systemd-analyze verify --man=no "/lib/systemd/system/$u" 2>&1)
	[ -z "$out" ] || printf '%s\n' "$out" | indent
	check "systemd-analyze verify $u prints nothing" test -z "$out"
done
# The service holds the lock files and sockets: stop it first.
ct systemctl stop uds-gateway.service uds-gateway.socket >/dev/null 2>&1
rm -f "$R/root/gw.log" "$R/root/gw.rc"
ct sh -c '/usr/sbin/uds-gateway -f /etc/uds-gateway/gateway.policy \
    2>/root/gw.log; echo $? >/root/gw.rc' &
byhand=$!
n=100
while [ $n -gt 0 ] && ! grep -qs 'ready:' "$R/root/gw.log"; do sleep 0.1; n=$((n - 1)); done
if grep -qs 'ready:' "$R/root/gw.log"; then ok "by hand: the installed daemon is ready"
else indent <"$R/root/gw.log"; notok "by hand: the installed daemon is ready"; fi
for s_ in echo http; do
	check "by hand: $s_.sock is root uds-gateway-clients 660 socket" sock_is /run/uds-gateway/$s_.sock
done
check "by hand: curl /healthz on http.sock answers ok" healthz
check "by hand: echo through echo.sock (socat)" echoes hello-by-hand
pid_=$(sed -n 's/^uds-gateway\[\([0-9]*\)\]: .*starting with.*/\1/p' "$R/root/gw.log" | head -1)
[ -n "$pid_" ] && ct kill -TERM "$pid_"
# At most 10 s (the packaged shutdown_timeout is 5 s).
n=100
while [ $n -gt 0 ] && ! [ -s "$R/root/gw.rc" ]; do sleep 0.1; n=$((n - 1)); done
check "by hand: SIGTERM: exit $(cat "$R/root/gw.rc" 2>/dev/null || echo none), sockets removed" \
    ct sh -c '[ "$(cat /root/gw.rc)" = 0 ] && ! [ -e /run/uds-gateway/http.sock ] &&
    ! [ -e /run/uds-gateway/echo.sock ]'
[ -s "$R/root/gw.rc" ] || { [ -n "$pid_" ] && ct kill -KILL "$pid_"; }
wait "$byhand"
rm -f "$R/root/gw.log" "$R/root/gw.rc"

# --- start ------------------------------------------------------------------
# The package started it: stop it, so that start below is a real one.
ct systemctl stop uds-gateway >/dev/null 2>&1
ct systemctl start uds-gateway >"$T/start.log" 2>&1; rc=$?
state="$(prop uds-gateway ActiveState)/$(prop uds-gateway SubState)"
status=$(prop uds-gateway StatusText)
if [ $rc -eq 0 ] && [ "$state" = active/running ] && [ -n "$status" ]; then
	ok "systemctl start uds-gateway: exit 0, $state, StatusText \"$status\""
else
	indent <"$T/start.log"
	ct systemctl status --no-pager uds-gateway 2>&1 | indent
	notok "systemctl start uds-gateway: exit $rc, $state, StatusText \"$status\""
fi
for s in echo http; do
	check "$s.sock is root uds-gateway-clients 660 socket" sock_is /run/uds-gateway/$s.sock
done
check "curl /healthz on http.sock answers ok" healthz
check "echo through echo.sock (socat)" echoes hello-systemd
# This start's own lines: not a "ready:" of the package's start.
inv=$(prop uds-gateway.service InvocationID)
n=50
while [ $n -gt 0 ] && [ -n "$inv" ] && ! journal_inv "$inv" | grep -q '^ready:'; do
	sleep 0.1; n=$((n - 1))
done
j=$([ -z "$inv" ] || journal_inv "$inv")
if printf '%s\n' "$j" | grep -q '^ready:' && ! printf '%s\n' "$j" | grep -q 'not sandboxed'; then
	ok "journal of this start ($inv): \"$(printf '%s\n' "$j" | grep '^ready:' | tail -1)\", no \"not sandboxed\""
else
	printf '%s\n' "$j" | tail -20 | indent
	notok "journal of this start (InvocationID ${inv:-none}): \"ready:\" and no \"not sandboxed\""
fi

# --- the processes, seen from the host ------------------------------------------
HM=$(host_main)
if [ -z "$HM" ]; then
	notok "host pid of MainPID $(prop uds-gateway MainPID) not found"
else
	check_workers "started" "$HM"

	# The parent's bounding set is exactly the unit's CapabilityBoundingSet=
	# (the lines add up; an empty one resets; "~" is not handled here).
	names=
	sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" >"$T/capbnd"
	while read -r line; do
		case $line in "") names= ;; *) names="$names $line" ;; esac
	done <"$T/capbnd"
	names=${names# }
	# shellcheck disable=SC2086
	want=$(cap_mask $names)
	have=$(field "$HM" CapBnd)
	case $want in
	[0-9a-f]*)
		lack=$(printf '%016x' $((0x$want & ~0x$ct_caps)))
		[ "$lack" = 0000000000000000 ] ||
		    echo "#   the container cannot grant $(cap_names "$lack") of the unit's set" ;;
	*) echo "#   CapabilityBoundingSet=$names: cannot compute (${want:-empty})" ;;
	esac
	check "parent (host pid $HM): CapBnd $have = CapabilityBoundingSet=$(echo "$names" | tr ' ' ,) ($want)" \
	    test "$have" = "$want"
	check "parent: uid 0, NoNewPrivs 1, Seccomp 2 (SystemCallFilter=)" test \
	    "$(field "$HM" Uid | cut -d' ' -f1) $(field "$HM" NoNewPrivs) $(field "$HM" Seccomp)" = "0 1 2"

	# ProtectProc=ptraceable and ProcSubset=pid: the service's own /proc
	# mount must say so, whatever the unit says (the parent's design
	# relies on the workers' /proc/<pid> being hidden: SECURITY.md).
	# mountinfo: the fields after "-" are type, source, super options.
	procopts=$(awk '$5 == "/proc" {
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "proc") print $(i + 3) }' "/proc/$HM/mountinfo" | tail -1)
	pp=$(unit_value ProtectProc)
	case ",$procopts," in
	*,hidepid=ptraceable,*|*,hidepid=4,*) r=0 ;; *) r=1 ;; esac
	check "ProtectProc=${pp:-(unset)}: the service's /proc is mounted hidepid=ptraceable (${procopts:-no proc mount})" \
	    test $r -eq 0
	ps_=$(unit_value ProcSubset)
	case ",$procopts," in *,subset=pid,*) r=0 ;; *) r=1 ;; esac
	check "ProcSubset=${ps_:-(unset)}: the service's /proc is mounted subset=pid (${procopts:-no proc mount})" \
	    test $r -eq 0
fi

# --- reload ---------------------------------------------------------------------
old=$(workers "${HM:-0}")
ct systemctl reload uds-gateway >"$T/reload.log" 2>&1; rc=$?
if [ $rc -eq 0 ]; then ok "systemctl reload uds-gateway: exit 0"
else indent <"$T/reload.log"; notok "systemctl reload uds-gateway: exit $rc"; fi
# The new generation serves, the old one drains and exits (bounded).
new=$old n=100
[ $rc -eq 0 ] || n=0
while [ $n -gt 0 ] && [ -n "$HM" ]; do
	new=$(workers "$HM")
	changed=1
	for w in $old; do case " $new " in *" $w "*) changed=0 ;; esac; done
	[ $changed = 1 ] && [ "$(echo "$new" | wc -w)" -eq "$(echo "$old" | wc -w)" ] &&
	    [ "$(prop uds-gateway ActiveState)" = active ] && break
	sleep 0.1; n=$((n - 1))
done
HM2=$(host_main)
check "after reload: active, same MainPID, new workers ($old -> $new)" test \
    "$(prop uds-gateway ActiveState)" = active -a -n "$HM" -a "$HM2" = "$HM" -a \
    $n -gt 0
[ -n "$HM" ] && check_workers "after reload" "$HM"
check "after reload: curl /healthz answers ok" healthz

# --- stop -------------------------------------------------------------------------
ct systemctl stop uds-gateway >"$T/stop.log" 2>&1; rc=$?
res="$(prop uds-gateway Result) $(prop uds-gateway ExecMainStatus) $(prop uds-gateway ActiveState)"
if [ $rc -eq 0 ] && [ "$res" = "success 0 inactive" ]; then
	ok "systemctl stop uds-gateway: Result=success, ExecMainStatus=0"
else
	indent <"$T/stop.log"
	notok "systemctl stop uds-gateway: exit $rc, Result ExecMainStatus ActiveState = $res"
fi
check "after stop: echo.sock and http.sock removed" ct sh -c \
    '! [ -e /run/uds-gateway/echo.sock ] && ! [ -e /run/uds-gateway/http.sock ]'
left=
for p in ${HM:-} $new; do [ -d "/proc/$p" ] && left="$left $p"; done
check "after stop: no process of the service left${left:+ (host pids$left)}" test -z "$left"

# --- socket activation ------------------------------------------------------------
ct systemctl start uds-gateway.socket >"$T/sock.log" 2>&1; rc=$?
svc=$(prop uds-gateway.service ActiveState)
if [ $rc -eq 0 ] && sock_is /run/uds-gateway/http.sock && [ "$svc" = inactive ]; then
	ok "systemctl start uds-gateway.socket: http.sock root uds-gateway-clients 660, service $svc"
else
	indent <"$T/sock.log"
	notok "systemctl start uds-gateway.socket: exit $rc, http.sock $(ct stat -c '%U %G %a %F' /run/uds-gateway/http.sock 2>&1), service $svc"
fi
ino=$(ct stat -c %i /run/uds-gateway/http.sock 2>/dev/null)
check "socket activation: curl /healthz answers ok" healthz
# The first answer can come from the http listener's first worker,
# before every listener's workers are ready and READY=1 is sent: give
# the start-up its time (bounded), as systemctl start would.
n=100
while [ $n -gt 0 ] && [ "$(prop uds-gateway.service ActiveState)" = activating ]; do
	sleep 0.1; n=$((n - 1))
done
state="$(prop uds-gateway.service ActiveState)/$(prop uds-gateway.service SubState)"
check "socket activation: the service is now $state, http.sock still systemd's (inode $ino)" \
    test "$state" = active/running -a -n "$ino" -a \
    "$(ct stat -c %i /run/uds-gateway/http.sock 2>/dev/null)" = "$ino"
echo_sock_ok() { sock_is /run/uds-gateway/echo.sock && echoes hello-activated; }
check "socket activation: the daemon created echo.sock itself, root uds-gateway-clients 660, echoes" \
    echo_sock_ok
HM=$(host_main)
if [ -n "$HM" ]; then check_workers "socket-activated" "$HM"
else notok "socket-activated: host pid of MainPID not found"; fi
ct systemctl stop uds-gateway.socket uds-gateway.service >"$T/stop2.log" 2>&1; rc=$?
res="$(prop uds-gateway.socket ActiveState) $(prop uds-gateway.service ActiveState) $(prop uds-gateway.service Result)"
if [ $rc -eq 0 ] && [ "$res" = "inactive inactive success" ] && ct sh -c \
    '! [ -e /run/uds-gateway/echo.sock ] && ! [ -e /run/uds-gateway/http.sock ]'; then
	ok "systemctl stop uds-gateway.socket uds-gateway.service: both inactive, sockets removed"
else
	indent <"$T/stop2.log"
	notok "systemctl stop uds-gateway.socket uds-gateway.service: socket, service, result = $res"
fi

# --- the whole run's journal (so far) --------------------------------------------------
j=$(journal)
check "journal of this boot: no \"not sandboxed\"" sh -c \
    "! printf '%s\n' \"\$1\" | grep -q 'not sandboxed'" sh "$j"
w=$(ct journalctl -b -u uds-gateway.service -u uds-gateway.socket -p warning \
    --no-pager -o cat 2>/dev/null)
[ -z "$w" ] || printf '%s\n' "$w" | indent
check "journal of this boot: no warning or error about the units (-p warning)" test -z "$w"

# --- the restart policy: Restart=on-abnormal, RestartPreventExitStatus=78 -----------------
# After the journal checks above: these log errors on purpose. Each part
# ends with the service stopped and reset-failed, for the purge below.
# poll SECONDS CMD...: CMD every 0.1 s until it succeeds, for at most
# SECONDS.
poll() {
	end_=$(($(date +%s) + $1)); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end_" ] || return 1
		sleep 0.1
	done
}
svc() { prop uds-gateway.service "$1"; }
# svc_is STATE NRESTARTS
svc_is() { test "$(svc ActiveState) $(svc NRestarts)" = "$1 $2"; }
svc_state() { echo "$(svc ActiveState)/$(svc SubState) Result=$(svc Result) NRestarts=$(svc NRestarts)"; }

# (a) An invalid policy: ExecStartPre= (-t) refuses it, the start fails
# and systemd does not retry it.
POL=$R/etc/uds-gateway/gateway.policy
cp -p "$POL" "$T/policy.orig"
[ -z "$(tail -c 1 "$POL")" ] || echo >>"$POL"
echo 'colour blue' >>"$POL"
bad=$(wc -l <"$POL")
ct systemctl start uds-gateway.service >"$T/bad.log" 2>&1; rc=$?
settled=0
if poll 5 svc_is failed 0; then
	# and stays so: no restart is scheduled (RestartSec= is 100 ms).
	settled=1 i=10
	while [ $i -gt 0 ]; do
		sleep 0.2
		svc_is failed 0 || { settled=0; break; }
		i=$((i - 1))
	done
fi
res=$(svc_state)
if [ $rc -ne 0 ] && [ $settled = 1 ]; then
	ok "invalid policy: systemctl start exit $rc, still failed with NRestarts=0 2 s later ($res)"
else
	indent <"$T/bad.log"
	notok "invalid policy: systemctl start exit $rc (want non-zero), then failed with NRestarts=0 for 2 s ($res)"
fi
inv=$(svc InvocationID)
want="/etc/uds-gateway/gateway.policy:$bad:1: "
j=$([ -z "$inv" ] || journal_inv "$inv")
if printf '%s\n' "$j" | grep -F "$want" | grep -q colour; then
	ok "invalid policy: the journal of that start ($inv): \"$(printf '%s\n' "$j" | grep -F "$want" | head -1)\""
else
	printf '%s\n' "$j" | tail -20 | indent
	notok "invalid policy: the journal of that start (InvocationID ${inv:-none}) has \"$want... colour\""
fi
cp -p "$T/policy.orig" "$POL"
ct systemctl reset-failed uds-gateway.service >/dev/null 2>&1
check "invalid policy: the policy restored, after reset-failed: $(svc_state)" \
    sh -c "cmp -s '$T/policy.orig' '$POL' && [ '$(svc ActiveState)' = inactive ]"

# (b) A crash (SIGSEGV, not an exit the daemon chose): systemd restarts
# it, and the workers of the crashed parent die with it (PDEATHSIG).
ct systemctl start uds-gateway.service >"$T/crash.log" 2>&1; rc=$?
m1=$(svc MainPID)
HM=$(host_main)
oldw=$(workers "${HM:-0}")
if [ $rc -eq 0 ] && svc_is active 0 && [ -n "$m1" ] && [ "$m1" != 0 ]; then
	ok "crash: systemctl start: MainPID $m1 ($(svc_state))"
else
	indent <"$T/crash.log"
	notok "crash: systemctl start: exit $rc, MainPID ${m1:-none} ($(svc_state))"
fi
ct kill -SEGV "$m1"
restarted() {
	m2=$(svc MainPID)
	svc_is active 1 && [ -n "$m2" ] && [ "$m2" != 0 ] && [ "$m2" != "$m1" ]
}
t0=$(date +%s)
poll 20 restarted; m2=$(svc MainPID)
check "crash: kill -SEGV MainPID $m1: restarted, MainPID ${m2:-none} ($(svc_state), $(($(date +%s) - t0)) s)" \
    restarted
check "crash: after the restart, curl /healthz answers ok" poll 5 healthz
left=
for p in $oldw; do alive "$p" && left="$left $p"; done
check "crash: the crashed parent's workers ($oldw) are gone${left:+ (alive:$left)}" \
    test -n "$oldw" -a -z "$left"
ct systemctl stop uds-gateway.service >/dev/null 2>&1
ct systemctl reset-failed uds-gateway.service >/dev/null 2>&1
check "crash: stopped again: $(svc_state)" test "$(svc ActiveState)" = inactive

# --- purge, under systemd ---------------------------------------------------------------
# The package's prerm stops a running service, postrm purge removes it.
ct systemctl start uds-gateway >/dev/null 2>&1
if TMO=120 ct dpkg --purge uds-gateway >"$T/purge.log" 2>&1; then
	ok "dpkg --purge uds-gateway in the booted container"
else
	indent <"$T/purge.log"; notok "dpkg --purge uds-gateway in the booted container"
fi
res="$(prop uds-gateway.service ActiveState) $(prop uds-gateway.service LoadState)"
check "after purge: service $res, no binary, policy or unit file left" sh -c \
    "[ '$res' = 'inactive not-found' ] && ! [ -e '$R/usr/sbin/uds-gateway' ] &&
     ! [ -e '$R/etc/uds-gateway' ] && ! [ -e '$UNIT' ] &&
     ! [ -e '$R/etc/systemd/system/multi-user.target.wants/uds-gateway.service' ]"
check "dpkg knows nothing of uds-gateway after purge ($(pkg_status))" \
    test "$(pkg_status)" != installed

# --- power off ------------------------------------------------------------------------
t0=$(date +%s)
teardown; rc=$?
check "poweroff: container down, systemd-nspawn exit $rc ($(($(date +%s) - t0)) s)" test $rc -eq 0
check "no mount left under build-nspawn/root" test -z "$(mounts_under "$R")"

echo "# systemd: $(($(date +%s) - start)) s"
[ "$fails" -eq 0 ]
