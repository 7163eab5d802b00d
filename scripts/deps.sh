#!/bin/sh
# deps.sh build|run|test|bench: install what uds-gateway needs, if
# anything is missing ("run": the build's, and the clients make run's
# banner names).
# Debian/Ubuntu: apt-get; Fedora: dnf. Without root: name the packages
# (and for "run", go on if only the clients are missing).
set -eu
what=${1:-build}

# deps.sh deb DIR: debian/control's Build-Depends for the source tree DIR
# (dpkg-checkbuilddeps; apt-get build-dep installs them), and dpkg-dev.
if [ "$what" = deb ]; then
	dir=$2
	need=
	command -v dpkg-checkbuilddeps >/dev/null 2>&1 || need=dpkg-dev
	if [ -z "$need" ] && (cd "$dir" && dpkg-checkbuilddeps) 2>/dev/null; then
		exit 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "$need" ] && echo "deps: dpkg-buildpackage needs dpkg-dev" >&2
		[ -z "$need" ] && (cd "$dir" && dpkg-checkbuilddeps) || :
		echo "deps: run as root, or: sudo apt-get install -y dpkg-dev" \
		    "&& sudo apt-get build-dep -y ./packaging" >&2
		exit 1
	fi
	echo "deps: installing the build dependencies of packaging/debian/control"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	[ -z "$need" ] || apt-get install -y -qq --no-install-recommends $need
	apt-get build-dep -y -qq --no-install-recommends "./$dir"
	exit
fi

deb_build="build-essential pkg-config libseccomp-dev libcap-dev libssl-dev"
clients="curl socat"
deb_test="$deb_build libcmocka-dev socat postgresql curl strace nodejs nginx-light python3 clang libclang-rt-14-dev valgrind procps util-linux passwd systemd systemd-container debootstrap prometheus docker.io busybox-static"
# prometheus: the only Debian 12 package with promtool (t_promtool.sh).
# docker.io, busybox-static: t_proxy_docker.sh starts its own dockerd
# (/usr/sbin/dockerd, /usr/bin/docker) and imports busybox as an image.
deb_bench="nginx-light nodejs gnuplot-nox wrk haproxy"
rpm_build="gcc make pkgconf-pkg-config libseccomp-devel libcap-devel openssl-devel"
rpm_test="$rpm_build libcmocka-devel socat postgresql-server curl strace nodejs nginx python3 clang compiler-rt valgrind procps-ng util-linux moby-engine busybox"

if command -v dpkg-query >/dev/null 2>&1; then
	case $what in
	test) want=$deb_test ;;
	bench) want=$deb_bench ;;
	run) want="$deb_build $clients" ;;
	*) want=$deb_build ;;
	esac
	missing=
	for p in $want; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case $st in *" installed") ;; *) missing="$missing $p" ;; esac
	done
	# Any /usr/sbin/nginx, and a node from elsewhere (NodeSource, nvm),
	# will do for the benchmark.
	if [ "$what" = bench ]; then
		[ -x /usr/sbin/nginx ] && missing=$(echo "$missing" | sed 's/ nginx-light//')
		command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//')
	fi
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run as root, or: sudo apt-get install -y$missing" >&2
		# make run can start without the clients.
		[ "$what" = run ] && [ -z "$(echo "$missing" | tr ' ' '\n' |
		    grep -vxF -e '' -e curl -e socat)" ] && exit 0
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# nginx must not start a system instance: the tests run their own.
	# dash runs no EXIT trap on an untrapped INT/TERM/HUP: trap them, or
	# a ^C leaves policy-rc.d behind to block every service start.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
		trap 'exit 130' INT TERM HUP
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
	fi
	apt-get install -y -qq --no-install-recommends $missing
	# prometheus is here for promtool only (t_promtool.sh): its server
	# was not started (policy-rc.d) and must not start at the next boot.
	case " $missing " in *" prometheus "*)
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable --quiet prometheus.service 2>/dev/null ||
			    echo "deps: could not disable prometheus.service" >&2
		fi ;;
	esac
	# docker.io is here for t_proxy_docker.sh, which runs its own dockerd
	# on a private socket: the package's system daemon (docker.socket
	# would start it on the first connection to /run/docker.sock) and its
	# containerd were not started (policy-rc.d) and must not start at the
	# next boot either.
	case " $missing " in *" docker.io "*)
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable --quiet docker.socket docker.service \
			    containerd.service 2>/dev/null ||
			    echo "deps: could not disable docker.service" >&2
		fi ;;
	esac
elif command -v rpm >/dev/null 2>&1 && command -v dnf >/dev/null 2>&1; then
	case $what in
	test) want=$rpm_test ;;
	run) want="$rpm_build $clients" ;;
	*) want=$rpm_build ;;
	esac
	missing=
	for p in $want; do
		rpm -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run as root, or: sudo dnf install -y$missing" >&2
		exit 1
	fi
	dnf install -y $missing
else
	echo "deps: unknown system; install by hand: $deb_build" >&2
	exit 1
fi
