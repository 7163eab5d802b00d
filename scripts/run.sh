#!/bin/sh
# run.sh BINARY: start the gateway in the foreground on the embedded
# default policy and say how to talk to it.
set -eu
bin=$1
if [ "$(id -u)" -eq 0 ]; then
	dir=/run/uds-gateway
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then
	dir=$XDG_RUNTIME_DIR/uds-gateway
else
	echo "run: XDG_RUNTIME_DIR is not set; run as root or set it" >&2
	exit 1
fi
cat <<EOT
uds-gateway: starting on the embedded default policy; sockets in $dir
Try, from another terminal:
  curl --unix-socket $dir/http.sock http://localhost/
  curl --unix-socket $dir/http.sock http://localhost/whoami
  echo hello | socat - UNIX-CONNECT:$dir/echo.sock
Stop with Ctrl-C.
EOT
exec "$bin"
