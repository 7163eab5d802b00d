# HTTP service behind nginx (Debian's /usr/sbin/nginx) as a reverse proxy
# with upstream keep-alive: the daemon's socket is group www-data mode 0660,
# nginx's workers run as www-data. Bodies through nginx equal direct ones,
# /whoami sees nginx's worker (uid 33), and nginx re-used its upstream
# connections (connections_total grows far less than the request count).
. "$(dirname "$0")/lib.sh"

NGINX=${NGINX:-/usr/sbin/nginx}
NGX_PID=
stop_nginx() {
	[ -n "$NGX_PID" ] || return 0
	kill -TERM "$NGX_PID" 2>/dev/null
	n=100
	while kill -0 "$NGX_PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.05; n=$((n - 1))
	done
	kill -KILL "$NGX_PID" 2>/dev/null
	wait "$NGX_PID" 2>/dev/null
	NGX_PID=
}
trap 'stop_nginx; cleanup' EXIT

WWW_UID=$(id -u www-data) || { notok "nginx: no www-data user"; exit 1; }
cat >"$T/p.policy" <<EOP
workers 2
listener web {
	path	$T/http.sock
	service	http
	group	www-data
	mode	0660
	allow	uid 0
	allow	group www-data
}
EOP
start_gw "$T/p.policy" || { notok "nginx: daemon start"; exit 1; }
check "nginx: socket is root www-data 660" [ "$(stat_of "$T/http.sock")" = "root www-data 660" ]

mkdir -p "$T/ngx"
cat >"$T/nginx.conf" <<EOC
user www-data;
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/ngx/error.log info;
events { worker_connections 64; }
http {
	access_log $T/ngx/access.log;
	client_body_temp_path $T/ngx/body;
	proxy_temp_path $T/ngx/proxy;
	fastcgi_temp_path $T/ngx/fastcgi;
	uwsgi_temp_path $T/ngx/uwsgi;
	scgi_temp_path $T/ngx/scgi;
	client_max_body_size 2m;
	upstream gw {
		server unix:$T/http.sock;
		keepalive 8;
	}
	server {
		listen unix:$T/front.sock;
		location / {
			proxy_pass http://gw;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host localhost;
		}
	}
}
EOC
"$NGINX" -e "$T/ngx/error.log" -p "$T" -c "$T/nginx.conf" &
NGX_PID=$!
if ! wait_for 10 test -S "$T/front.sock"; then
	notok "nginx: started"; sed 's/^/#   /' "$T/ngx/error.log"; exit 1
fi
ok "nginx: started (pid $NGX_PID)"

D="curl -sS -m 10 --unix-socket $T/http.sock"
N="curl -sS -m 10 --unix-socket $T/front.sock"
metric() {
	$D http://localhost/metrics |
	    awk -v k="uds_gateway_$1{listener=\"web\"${2:+,code=\"$2\"}}" '$1 == k { print $2 }'
}

c0=$(metric connections_total); r0=$(metric requests_total 200)
same=0; i=0
while [ $i -lt 50 ]; do
	a=$($N "http://localhost/x/$i?q=$i"); b=$($D "http://localhost/x/$i?q=$i")
	[ "$a" = "$b" ] && [ "$a" = "{\"message\":\"Hello from your HTTP server on a Unix socket!\",\"url\":\"/x/$i?q=$i\"}" ] &&
	    same=$((same + 1))
	i=$((i + 1))
done
check "nginx: 50 GETs through nginx equal the direct answers ($same)" [ $same -eq 50 ]
same=0; i=0
while [ $i -lt 20 ]; do
	head -c $((i * 5000 + 1)) /dev/urandom >"$T/body"
	$N --data-binary @"$T/body" -o "$T/body.ngx" http://localhost/echo
	cmp -s "$T/body" "$T/body.ngx" && same=$((same + 1))
	i=$((i + 1))
done
check "nginx: 20 POST /echo bodies through nginx identical ($same)" [ $same -eq 20 ]
head -c 524288 /dev/urandom >"$T/big"
$N -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" -o "$T/big.ngx" http://localhost/echo
check "nginx: 512 KiB chunked POST /echo through nginx identical" cmp -s "$T/big" "$T/big.ngx"
code=$($N -s -o /dev/null -w '%{http_code}' http://localhost/healthz)
check "nginx: /healthz 200 through nginx" [ "$code" = 200 ]
who=$($N http://localhost/whoami)
check "nginx: /whoami through nginx is nginx's worker, uid $WWW_UID ($who)" sh -c "echo '$who' | grep -q '\"uid\":$WWW_UID,'"
c1=$(metric connections_total); r1=$(metric requests_total 200)
# Direct connections since c0: the r0 and c1 scrapes and 50 GETs; the rest
# are nginx's upstream connections.
up=$((c1 - c0 - 50 - 2))
# r0's scrape is not in r0 (a scrape counts after it renders), c1's is.
check "nginx: every request reached the daemon once ($r0 -> $r1: 1+50+50+20+3+1)" [ $((r1 - r0)) -eq 125 ]
if [ $up -ge 1 ] && [ $up -le 2 ]; then ok "nginx: 73 proxied requests used at most 2 upstream connections ($up)"; else notok "nginx: 73 proxied requests used at most 2 upstream connections ($up)"; fi

stop_nginx
check "nginx: stopped by its pid" [ ! -S "$T/front.sock" ]
stop_gw TERM
check "nginx: daemon SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
