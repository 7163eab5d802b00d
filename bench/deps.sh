#!/bin/sh
# deps.sh: install what `make bench` needs (Debian/Ubuntu, as root), if missing.
set -eu
want="nginx-light nodejs gnuplot-nox wrk"
command -v dpkg-query >/dev/null 2>&1 || { echo "bench/deps: not Debian; need: $want" >&2; exit 0; }
missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
# Any nginx with /usr/sbin/nginx will do (nginx-light, nginx-core, nginx).
case $missing in *nginx-light*) [ -x /usr/sbin/nginx ] &&
    missing=$(echo "$missing" | sed 's/ nginx-light//') ;; esac
# Node from elsewhere (NodeSource, nvm) is fine too.
case $missing in *nodejs*) command -v node >/dev/null 2>&1 &&
    missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/deps: missing:$missing (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "bench/deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package must not start a system nginx: the bench runs its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing
