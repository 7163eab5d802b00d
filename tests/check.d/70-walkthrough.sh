#!/bin/sh
# check.d: walk-through (the README's make run from a fresh clone, in a Debian 12 container, as root and through sudo; make deb)
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero if any failed.
# Needs root. Runs tests/check.d/walk.in in a container (systemd-nspawn,
# not booted, the host's network: make run installs from the mirror) on
# an overlay of 60-systemd.sh's rootfs build-nspawn/root, which it
# builds if missing (by running 60-systemd.sh):
#   build-nspawn/walk/layer  cached: git, make and sudo added, curl,
#                            socat and the package's users removed
#                            (60-systemd.sh's purge leaves them), the
#                            .debs make run and make
#                            deb install downloaded (apt's cache);
#                            rebuilt when the rootfs is
#   build-nspawn/walk/run    this run's changes, removed afterwards
# The clone's origin is a git repository of this checkout's files
# (tracked and untracked, not ignored: what make deb copies).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
fails=0
ok() { echo "ok - walk-through: $*"; }
notok() { echo "not ok - walk-through: $*"; fails=$((fails + 1)); }
indent() { sed 's/^/#   /'; }
start=$(date +%s)

NSDIR=$TOP/build-nspawn
R=$NSDIR/root
MARK=$NSDIR/root.done
W=$NSDIR/walk
LAYER=$W/layer
LMARK=$W/layer.done
RUN=$W/run
M=$W/mnt
MACHINE=udsgw-walk
# As 60-systemd.sh, less --private-network: apt needs the mirror.
NSPAWN_OPTS="--quiet --register=no --keep-unit --machine=$MACHINE
    --link-journal=no --as-pid2"
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY
fi
# The .debs make run installs on a fresh system (scripts/deps.sh run),
# and make deb (packaging/debian/control's Build-Depends, dpkg-dev).
RUN_DEBS="build-essential pkg-config libseccomp-dev libcap-dev libssl-dev curl socat \
    dpkg-dev debhelper"

T=$(mktemp -d /tmp/udsgw-walk.XXXXXX)
NS_PID=
LOCKED=
cleanup() {
	if [ -n "$NS_PID" ]; then
		kill -TERM "$NS_PID" 2>/dev/null
		n=50
		while [ $n -gt 0 ] && kill -0 "$NS_PID" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
		kill -KILL "$NS_PID" 2>/dev/null
		wait "$NS_PID" 2>/dev/null
	fi
	if [ -n "$LOCKED" ]; then
		mountpoint -q "$M" && umount -l "$M"
		rm -rf --one-file-system "$RUN"
		rmdir_new
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT TERM HUP

if [ "$(id -u)" -ne 0 ]; then
	notok "need root (systemd-nspawn, mount); run make check as root"
	exit 1
fi

# --- the rootfs, and build-nspawn to ourselves ----------------------------
if ! [ -f "$MARK" ] || ! [ -x "$R/lib/systemd/systemd" ]; then
	echo "# no rootfs in build-nspawn/root: tests/check.d/60-systemd.sh builds it"
	sh tests/check.d/60-systemd.sh
fi
if ! [ -f "$MARK" ]; then
	notok "no rootfs in build-nspawn/root"
	exit 1
fi
exec 9>"$NSDIR/lock"
if ! flock -n 9; then
	notok "build-nspawn is in use by another run (flock $NSDIR/lock)"
	exit 1
fi
LOCKED=1
mkdir -p "$W"
mountpoint -q "$M" && umount -l "$M"
rm -rf --one-file-system "$RUN"

# systemd-nspawn --keep-unit leaves "supervisor" and "payload" cgroups
# below ours (as in 60-systemd.sh): remove the ones it created.
NEW_DIRS=
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
[ -e /run/systemd/nspawn ] || NEW_DIRS="$NEW_DIRS /run/systemd/nspawn"
rmdir_new() {
	for d in $NEW_DIRS; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}

# --- tools ---------------------------------------------------------------
. tests/check.d/install.inc
install_missing "systemd-nspawn:systemd-container git:git" ""

# in_ct SECONDS SCRIPT [NSPAWN-OPTIONS]: run SCRIPT (sh) in a container
# on $M, in the background (a trap interrupts "wait"), at most SECONDS.
in_ct() {
	tmo=$1 script=$2; shift 2
	# shellcheck disable=SC2086
	timeout -k 10 "$tmo" systemd-nspawn -D "$M" $NSPAWN_OPTS "$@" \
	    --pipe sh -c "$script" </dev/null 9>&- &
	NS_PID=$!
	wait "$NS_PID"; rc_=$?
	NS_PID=
	return $rc_
}

# --- the cached layer --------------------------------------------------------
want="2 $(cat "$MARK") $(stat -c %Y "$MARK") $RUN_DEBS"
if [ -f "$LMARK" ] && [ "$(cat "$LMARK")" = "$want" ]; then
	ok "layer build-nspawn/walk/layer: reused"
else
	t0=$(date +%s)
	rm -f "$LMARK"
	rm -rf --one-file-system "$LAYER" "$W/work"
	mkdir -p "$LAYER" "$W/work" "$M"
	mount -t overlay overlay -o "lowerdir=$R,upperdir=$LAYER,workdir=$W/work" "$M"
	# The fresh system of the README: git, make and sudo added to a
	# minimal Debian; curl and socat (the rootfs's, for 60-systemd.sh)
	# and the users the package left (purge keeps them) removed; what
	# make run and make deb install, downloaded only.
	if in_ct 600 "export DEBIAN_FRONTEND=noninteractive
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends git make sudo &&
	    apt-get purge -y -qq curl socat && apt-get autoremove -y -qq --purge &&
	    { ! getent passwd uds-gateway >/dev/null || userdel uds-gateway; } &&
	    { ! getent group uds-gateway >/dev/null || groupdel uds-gateway; } &&
	    { ! getent group uds-gateway-clients >/dev/null || groupdel uds-gateway-clients; } &&
	    apt-get install -y -qq --download-only --no-install-recommends $RUN_DEBS" \
	    >"$W/layer.log" 2>&1; then
		mountpoint -q "$M" && umount "$M"
		echo "$want" >"$LMARK"
		ok "layer build-nspawn/walk/layer: git, make, sudo; no curl, socat ($(($(date +%s) - t0)) s)"
	else
		mountpoint -q "$M" && umount -l "$M"
		tail -20 "$W/layer.log" | indent
		notok "layer build-nspawn/walk/layer (apt-get in the container)"
		exit 1
	fi
fi

# --- the origin: this checkout's files, committed ---------------------------------
mkdir -p "$T/tree" "$T/src"
git ls-files -z -c -o --exclude-standard | (
	cd "$TOP" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh
) | tar --null -T - -cf - | tar -C "$T/tree" -xf -
if (cd "$T/tree" && git init -q && git add -A &&
    git -c user.name=walk -c user.email=walk@invalid commit -q -m walk) &&
    git clone -q --bare "$T/tree" "$T/src/uds-gateway.git" &&
    cp tests/check.d/walk.in "$T/src/walk.sh"; then
	ok "origin: $(cd "$T/tree" && git ls-files | wc -l) files of this checkout, committed"
else
	notok "origin: a git repository of this checkout"
	exit 1
fi

# --- the walk ---------------------------------------------------------------------
mkdir -p "$RUN/upper" "$RUN/work" "$M"
mount -t overlay overlay \
    -o "lowerdir=$LAYER:$R,upperdir=$RUN/upper,workdir=$RUN/work" "$M"
in_ct 600 "sh /src/walk.sh" --bind-ro="$T/src:/src" >"$T/walk.out" 2>&1
rc=$?
# (systemd-nspawn's complaint about its propagation directory on a host
# whose /run is not a tmpfs is noise.)
grep -v '^Attempted to remove disk file system under "/run/systemd/nspawn/' "$T/walk.out"
grep -q '^not ok ' "$T/walk.out" && fails=$((fails + 1))
if [ $rc -ne 0 ]; then
	notok "the walk in the container: exit $rc"
fi
mountpoint -q "$M" && { umount "$M" || umount -l "$M"; }
rm -rf --one-file-system "$RUN"

echo "# walk-through: $(($(date +%s) - start)) s"
[ "$fails" -eq 0 ]
