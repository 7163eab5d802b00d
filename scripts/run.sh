#!/bin/sh
# run.sh: what "make run" does. Checks where the sockets can go, installs
# what is missing (as root; else names the apt-get line), builds, and
# starts the gateway in the foreground on the embedded default policy
# (--default-policy, whatever /etc/uds-gateway holds). Once the daemon
# logs "ready:", says how to talk to it. MAKE and B come from the Makefile.
set -eu
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
B=${B:-build}
bin=$B/uds-gateway
uid=$(id -u)
say() { echo "run: $*"; }

# --- where the sockets go: checked before anything is built ---------------
if [ "$uid" -eq 0 ]; then
	dir=/run/uds-gateway
	# The packaged service's sockets are the same paths, and it holds
	# their locks.
	if command -v systemctl >/dev/null 2>&1 &&
	    systemctl is-active --quiet uds-gateway.service uds-gateway.socket \
	    2>/dev/null; then
		say "the packaged uds-gateway service is running and uses $dir;"
		say "stop it first: systemctl stop uds-gateway.socket uds-gateway.service"
		exit 1
	fi
else
	# The daemon puts its sockets in $XDG_RUNTIME_DIR/uds-gateway (at most
	# 63 bytes), which must be ours: after su, it may still be root's.
	rt=${XDG_RUNTIME_DIR:-}
	why=
	if [ -z "$rt" ]; then
		why="XDG_RUNTIME_DIR is not set"
	elif [ ! -d "$rt" ] || [ -L "$rt" ] || [ "$(stat -c %u "$rt")" != "$uid" ]; then
		why="XDG_RUNTIME_DIR=$rt is not a directory of yours (left by su?)"
	elif [ "${#rt}" -ge 64 ]; then
		why="XDG_RUNTIME_DIR=$rt is longer than 63 bytes"
	fi
	if [ -n "$why" ]; then
		rt=/tmp/uds-gateway-$uid
		mkdir -m 0700 "$rt" 2>/dev/null || :
		if [ -L "$rt" ] || [ ! -d "$rt" ] ||
		    [ "$(stat -c '%u %a' "$rt")" != "$uid 700" ]; then
			say "$why, and $rt is not a directory of yours with mode 0700."
			say "Set XDG_RUNTIME_DIR to a directory of yours with mode 0700, e.g.:"
			say "  export XDG_RUNTIME_DIR=\$(mktemp -d); make run"
			exit 1
		fi
		say "$why: using $rt (yours, mode 0700)"
		XDG_RUNTIME_DIR=$rt
		export XDG_RUNTIME_DIR
	fi
	dir=$XDG_RUNTIME_DIR/uds-gateway
fi

# --- build dependencies and the clients the banner names; the build ---------
sh scripts/deps.sh run
$MAKE --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" B="$B" all

# --- the workers' user, as root ----------------------------------------------
# The embedded default names no user: root's workers run as the default
# worker user. If that is uds-gateway and it is missing, create it as
# packaging/systemd/uds-gateway.sysusers does (the package would).
if [ "$uid" -eq 0 ] && ! getent passwd uds-gateway >/dev/null &&
    "$bin" -t --default-policy 2>&1 |
    grep -Eq "^user uds-gateway([[:space:]]|\$)|user 'uds-gateway'"; then
	if getent group uds-gateway >/dev/null; then g="--gid uds-gateway"
	else g=--user-group; fi
	say "creating the system user uds-gateway for the workers:"
	say "  useradd --system $g --home-dir / --no-create-home --shell /usr/sbin/nologin --comment 'uds-gateway workers' uds-gateway"
	# shellcheck disable=SC2086
	useradd --system $g --home-dir / --no-create-home \
	    --shell /usr/sbin/nologin --comment "uds-gateway workers" uds-gateway
fi

# --- who may connect ------------------------------------------------------------
if [ "$uid" -ne 0 ]; then
	who="as $(id -un) (the sockets are yours, in a directory only you can enter)"
elif [ -n "${SUDO_GID:-}" ] && [ "${SUDO_GID}" != 0 ]; then
	g=$(getent group "$SUDO_GID" | cut -d: -f1)
	who="as ${SUDO_USER:-the user who ran sudo} (the sockets belong to group ${g:-$SUDO_GID}, mode 0660)"
else
	who="as root (the sockets are root:root 0660: only root can connect;
run make run through sudo from your own account to connect as yourself)"
fi
missing=
for c in curl socat; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done

say "starting uds-gateway on the embedded default policy; sockets in $dir"
# The daemon's log goes through a FIFO to a reader that shows it and
# prints the banner once "ready:" goes by; the daemon itself is exec'd
# (Ctrl-C, the exit status). The reader ignores SIGINT (an asynchronous
# list) and ends when the daemon's stderr closes.
tmp=$(mktemp -d)
mkfifo "$tmp/log"
{
	rm -rf "$tmp"
	shown=
	while IFS= read -r line; do
		printf '%s\n' "$line" >&2
		[ -z "$shown" ] || continue
		case $line in
		*"ready: "*)
			shown=1
			cat <<EOT
Try, from another terminal, $who:
  curl --unix-socket $dir/http.sock http://localhost/
  curl --unix-socket $dir/http.sock http://localhost/whoami
  echo hello | socat - UNIX-CONNECT:$dir/echo.sock
${missing:+(not installed:$missing; sudo apt-get install -y$missing)
}Stop with Ctrl-C.
EOT
			;;
		esac
	done
} <"$tmp/log" &
exec "$bin" --default-policy 2>"$tmp/log"
