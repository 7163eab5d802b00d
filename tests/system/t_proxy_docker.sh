# service proxy in front of the real Docker Engine (Debian's docker.io):
# a private dockerd (docker.inc: its own socket, data, exec root and
# containerd under $T, stopped by its pid), an image from busybox-static,
# and the real docker CLI through the gateway as different users:
#   reader (groups docker-api, docker-readers): version, ps, inspect,
#     logs -f (lines arrive while the container writes them), events
#     (long-lived); run, rm, exec refused with the CLI reporting the 403;
#   deployer (the route's user, group docker-api): run -d, exec -i (stdin
#     through the upgraded connection, its EOF ends the command), start -a
#     -i and attach (hijacked streams), rm -f;
#   outsider (not in docker-api): refused at connect, the denial logged;
#   attach without Upgrade (Docker's 200 raw-stream hijack) with a raw
#   client; the shipped example policy's routes with the CLI (kill -s
#   SIGHUP allowed by its query, SIGKILL refused).
# Smuggling attempts (CL+TE, encoded slash, dot segments, a request hidden
# in a body, a pipelined one) from a caller allowed only /_ping: the
# gateway's 400/403, and dockerd's own debug log ("Calling METHOD PATH"
# for every API request it serves) shows none of them reached it.
# Audit: one JSON line per request with uid, method, path and decision.
# At the end no process of the private engine is left. About 12 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.inc"
R="/usr/bin/python3 $TOP/tests/system/http_rec.py"
tstart=$(date +%s%N)

if docker_missing; then
	notok "docker: $DOCKERD, $DOCKER or a static $BUSYBOX missing (scripts/deps.sh test: docker.io busybox-static)"
	exit 1
fi

# Test users and groups: created here, removed on any exit; names carry
# our pid.
S=$$
RD=udsgw-drd-$S DEP=udsgw-ddep-$S OUT=udsgw-dout-$S
GAPI=udsgw-dapi-$S GREAD=udsgw-dread-$S GSOCK=udsgw-dsock-$S
drop_ids() {
	for try in 1 2 3 4 5; do
		for u in $RD $DEP $OUT; do
			userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null
		done
		for g in $GAPI $GREAD $GSOCK; do groupdel "$g" 2>/dev/null; done
		left=0
		for u in $RD $DEP $OUT; do getent passwd "$u" >/dev/null && left=1; done
		for g in $GAPI $GREAD $GSOCK; do getent group "$g" >/dev/null && left=1; done
		[ $left -eq 0 ] && return 0
		sleep 0.2
	done
	echo "# could not remove test users and groups"
}
# Background clients (docker logs -f, docker events) by pid, then dockerd
# (its containers removed first), then the gateway and $T.
CLIENTS=
stop_clients() {
	for p in $CLIENTS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	CLIENTS=
}
# reaped PID: waited for; never signalled again (its pid may be reused).
reaped() { CLIENTS=$(echo " $CLIENTS " | sed "s/ $1 / /"); }
trap 'trap "" INT TERM HUP; stop_clients; dockerd_stop; cleanup; drop_ids' EXIT
trap 'exit 1' INT TERM HUP
drop_ids
for g in $GAPI $GREAD $GSOCK; do
	groupadd "$g" || { notok "docker: groupadd $g"; exit 1; }
done
for u in $RD $DEP $OUT; do
	useradd -M -U -d /nonexistent -s /usr/sbin/nologin "$u" ||
	    { notok "docker: useradd $u"; exit 1; }
done
usermod -a -G "$GAPI,$GREAD" "$RD"
usermod -a -G "$GAPI" "$DEP"

# Without a system dockerd here, none may appear (docker.socket would
# start one on a connection to /run/docker.sock): checked at the end.
SYSDOCK=
[ -e /run/docker.sock ] && SYSDOCK=1

# --- the private dockerd: its socket root:$GSOCK 0660; only the
# connector (given that group by the upstream block) reaches it.
t0=$(date +%s%N)
dockerd_start "$T/d" "$GSOCK" || { notok "docker: private dockerd started"; exit 1; }
t1=$(date +%s%N)
check "docker: private dockerd up in $(((t1 - t0) / 1000000)) ms, socket root $GSOCK 660" \
    [ "$(stat_of "$DOCKER_SOCK")" = "root $GSOCK 660" ]
dockerd_import gwtest:latest
check "docker: image from busybox-static imported in $((($(date +%s%N) - t1) / 1000000)) ms" \
    dkr_exists image gwtest:latest

mkdir -p "$T/gw" && chmod 0755 "$T/gw"
# The routes of the shipped example (policy/examples/docker.policy), its
# names replaced by ours: what an operator copies must work with the CLI.
grep -E '^[[:space:]]*route[[:space:]]' "$TOP/policy/examples/docker.policy" |
    sed -E "s/group[[:space:]]+docker-readers/group $GREAD/; s/user[[:space:]]+deploy([[:space:]]|\$)/user $DEP\1/" >"$T/example.routes"
nex=$(wc -l <"$T/example.routes")
if [ "$nex" -ge 10 ] && ! grep -qE 'docker-readers|user[[:space:]]+deploy' "$T/example.routes"; then
	ok "docker: the example policy's $nex routes taken (docker-readers, deploy renamed)"
else
	notok "docker: the example policy's $nex routes taken (docker-readers, deploy renamed)"
fi
cat >"$T/p.policy" <<EOP
user	uds-gateway
upstream docker {
	unix	$DOCKER_SOCK
	group	$GSOCK
	connect_timeout 5s
}
# The issue's routes, and what the CLI also asks for run -d, exec,
# attach and rm -f (wait, exec inspect, container inspect, delete).
listener docker {
	path	$T/gw/docker.sock
	service	proxy
	upstream docker
	mode	0666
	allow_world_writable yes
	allow	group $GAPI
	api_version_prefix yes
	audit	all
	workers	1
	route	GET,HEAD	/_ping			allow any
	route	GET		/version		allow any
	route	GET		/containers/json	allow group $GREAD
	route	GET		/containers/*/json	allow group $GREAD
	route	GET		/containers/*/logs	allow group $GREAD
	route	GET		/events			allow group $GREAD
	route	POST		/containers/create	allow user $DEP
	route	POST		/containers/*/start	allow user $DEP
	route	POST		/containers/*/exec	allow user $DEP
	route	POST		/exec/*/start		allow user $DEP
	route	POST		/containers/*/attach	allow user $DEP
	route	POST		/containers/*/wait	allow user $DEP
	route	GET		/exec/*/json		allow user $DEP
	route	GET		/containers/*/json	allow user $DEP
	route	DELETE		/containers/*		allow user $DEP
	route	*		/**			deny any
}
# The shipped example's routes.
listener example {
	path	$T/gw/example.sock
	service	proxy
	upstream docker
	mode	0666
	allow_world_writable yes
	allow	group $GAPI
	api_version_prefix yes
	workers	1
$(cat "$T/example.routes")
}
# Only /_ping (POST too, which dockerd answers 404): for smuggling.
listener dping {
	path	$T/gw/ping.sock
	service	proxy
	upstream docker
	mode	0666
	allow_world_writable yes
	allow	any
	api_version_prefix yes
	audit	all
	workers	1
	route	GET,HEAD,POST	/_ping			allow any
	route	*		/**			deny any
}
EOP
start_gw "$T/p.policy" || { notok "docker: daemon start"; exit 1; }

GWH=unix://$T/gw/docker.sock
# as USER CMD...: CMD as USER (its uid, gid and groups), docker's
# environment pointed at the gateway.
as() {
	u=$1; shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent \
	    DOCKER_HOST="$GWH" DOCKER_CONFIG=/nonexistent/.docker \
	    setpriv --reuid="$u" --regid="$u" --init-groups "$@"
}
D="timeout -k 2 20 $DOCKER"
# err403 FILE: the CLI reported the gateway's 403.
err403() { grep -q 'Error response from daemon: uds-gateway: forbidden by policy' "$1"; }
# gone PID: our child PID has exited (gone, or a zombie not yet waited).
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }
show() { sed 's/^/#   /' "$1" | head -20; }

# --- reader
rc=0; as "$RD" $D version >"$T/ver" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'API version:.*1\.41' "$T/ver" && grep -q '^Server:' "$T/ver"; then ok "reader: docker version (server 20.10 through the gateway)"; else notok "reader: docker version (server 20.10 through the gateway)"; fi
[ "$rc" -eq 0 ] || show "$T/ver"
# A container that writes a line every 0.2 s for 20 s, started by root
# straight on dockerd.
L=$(dkr run -d gwtest:latest sh -c 'i=0; while [ $i -lt 100 ]; do echo line $i; i=$((i + 1)); sleep 0.2; done')
rc=0; as "$RD" $D ps --no-trunc --format '{{.ID}}' >"$T/ps" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -qx "$L" "$T/ps"; then ok "reader: docker ps lists the running container"; else notok "reader: docker ps lists the running container"; fi
rc=0; as "$RD" $D inspect -f '{{.Id}} {{.State.Running}}' "$L" >"$T/insp" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$T/insp")" = "$L true" ]; then ok "reader: docker inspect"; else notok "reader: docker inspect"; fi

# docker logs -f: lines keep arriving while the container runs.
as "$RD" "$DOCKER" logs -f "$L" >"$T/logs" 2>&1 &
LP=$!; CLIENTS="$CLIENTS $LP"
nlines() { wc -l <"$1"; }
check "reader: docker logs -f: the first line within 10 s" wait_for 10 grep -q '^line 0$' "$T/logs"
n1=$(nlines "$T/logs")
check "reader: docker logs -f: more lines arrive while the container writes them ($n1, then $((n1 + 3)))" \
    wait_for 10 sh -c "[ \$(wc -l <'$T/logs') -ge $((n1 + 3)) ]"
check "reader: ... and the container is still running" [ "$(dkr inspect -f '{{.State.Running}}' "$L")" = true ]
check "reader: docker logs -f still streaming (not ended)" kill -0 "$LP"
kill -TERM "$LP"; wait "$LP" 2>/dev/null; reaped "$LP"

# docker events: long-lived; an event made by the deployer arrives.
ev0=$(dockerd_calls 'GET /v[0-9.]+/events')
as "$RD" "$DOCKER" events --filter type=container --filter event=create \
    --format '{{.Action}} {{.Actor.Attributes.name}}' >"$T/events" 2>&1 &
EP=$!; CLIENTS="$CLIENTS $EP"
check "reader: docker events reached dockerd" wait_for 10 sh -c "[ \$(grep -cE 'msg=\"Calling GET /v[0-9.]+/events' '$DOCKERD_LOG') -gt $ev0 ]"
rc=0; as "$DEP" $D create --name "evt-$S" gwtest:latest true >"$T/create" 2>&1 || rc=$?
check "deployer: docker create" [ "$rc" -eq 0 ]
check "reader: docker events: the create event arrives" wait_for 10 grep -qx "create evt-$S" "$T/events"
check "reader: docker events still running" kill -0 "$EP"
kill -TERM "$EP"; wait "$EP" 2>/dev/null; reaped "$EP"

# Refused: the CLI reports the gateway's 403.
n0=$(dockerd_calls 'POST /v[0-9.]+/containers/create')
rc=0; as "$RD" $D run --rm gwtest:latest true >"$T/run403" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/run403"; then ok "reader: docker run refused, the CLI reports the 403"; else notok "reader: docker run refused, the CLI reports the 403"; fi
check "reader: docker run: dockerd never got the create" [ "$(dockerd_calls 'POST /v[0-9.]+/containers/create')" -eq "$n0" ]
rc=0; as "$RD" $D rm "evt-$S" >"$T/rm403" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/rm403"; then ok "reader: docker rm refused, the CLI reports the 403"; else notok "reader: docker rm refused, the CLI reports the 403"; fi
check "reader: docker rm: the container is still there" dkr_exists container "evt-$S"
rc=0; as "$RD" $D exec "$L" true >"$T/exec403" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/exec403"; then ok "reader: docker exec refused, the CLI reports the 403"; else notok "reader: docker exec refused, the CLI reports the 403"; fi
for f in run403 rm403 exec403; do err403 "$T/$f" || show "$T/$f"; done

# --- deployer
rc=0; C=$(as "$DEP" $D run -d gwtest:latest sleep 300 2>"$T/rund") || rc=$?
if [ "$rc" -eq 0 ] && [ "$(dkr inspect -f '{{.State.Running}}' "$C" 2>/dev/null)" = true ]; then ok "deployer: docker run -d"; else notok "deployer: docker run -d"; fi
[ "$rc" -eq 0 ] || show "$T/rund"
head -c 300000 /dev/urandom | base64 >"$T/in"
chmod 0644 "$T/in"
rc=0; as "$DEP" $D exec -i "$C" cat <"$T/in" >"$T/exec.out" 2>"$T/exec.err" || rc=$?
check "deployer: docker exec -i cat: ends on stdin EOF (exit $rc, not 124)" [ "$rc" -eq 0 ]
check "deployer: docker exec -i cat: 400 KB out equal to in" cmp -s "$T/in" "$T/exec.out"
[ "$rc" -eq 0 ] || show "$T/exec.err"
rc=0; as "$DEP" $D exec "$C" sh -c 'echo out; echo err >&2; exit 7' >"$T/x.out" 2>"$T/x.err" || rc=$?
if [ "$rc" -eq 7 ] && [ "$(cat "$T/x.out")" = out ] && [ "$(cat "$T/x.err")" = err ]; then
	ok "deployer: docker exec: stdout, stderr apart, exit status 7 ($rc)"
else
	notok "deployer: docker exec: stdout, stderr apart, exit status 7 ($rc)"
fi

# attach, stdin too: start -a -i on a created container running cat with
# StdinOnce: the input comes back, stdin EOF ends it.
A=$(as "$DEP" $D create -i gwtest:latest cat 2>"$T/ca.err")
printf 'through attach\n' >"$T/ain"; chmod 0644 "$T/ain"
rc=0; out=$(as "$DEP" $D start -a -i "$A" <"$T/ain" 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "through attach" ]; then ok "deployer: docker start -a -i: input back, ends on EOF ($rc: $out)"; else notok "deployer: docker start -a -i: input back, ends on EOF ($rc: $out)"; fi
# docker attach to a running container, which writes only once the attach
# is in place (dockerd logs "attach: stdout: begin"): its output, then
# its exit status.
B=$(as "$DEP" $D run -d gwtest:latest sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; echo attached-out; exit 3' 2>"$T/cb.err")
a0=$(grep -c 'attach: stdout: begin' "$DOCKERD_LOG")
as "$DEP" "$DOCKER" attach --no-stdin --sig-proxy=false "$B" >"$T/attach.out" 2>&1 &
AP=$!; CLIENTS="$CLIENTS $AP"
check "deployer: docker attach reached dockerd" wait_for 10 sh -c "[ \$(grep -c 'attach: stdout: begin' '$DOCKERD_LOG') -gt $a0 ]"
as "$DEP" $D exec "$B" touch /tmp/go
check "deployer: docker attach ends with the container (10 s)" wait_for 10 gone "$AP"
kill -KILL "$AP" 2>/dev/null
rc=0; wait "$AP" || rc=$?
reaped "$AP"
if [ "$rc" -eq 3 ] && [ "$(cat "$T/attach.out")" = attached-out ]; then ok "deployer: docker attach: the output, then the exit status 3 ($rc)"; else notok "deployer: docker attach: the output, then the exit status 3 ($rc)"; fi

# Docker's other hijack: attach without Upgrade is answered 200 with a
# raw stream, and the connection is a tunnel from there (raw client, as
# the deployer): stdin in, cat's output back in a stdout frame; then our
# EOF ends the attach, and dockerd's EOF comes back.
K=$(as "$DEP" $D run -d -i gwtest:latest cat 2>"$T/ck.err")
setpriv --reuid="$DEP" --regid="$DEP" --init-groups $R tunnel "$T/gw/docker.sock" \
    "POST /v1.41/containers/$K/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\\r\\nHost: d\\r\\nContent-Length: 0\\r\\n\\r\\n" '' 'hijacked\n' 'hijacked\n' >"$T/hj.out" 2>"$T/hj.err"
check "deployer: attach without Upgrade: 200 raw stream, bytes both ways, EOF both ways" \
    $R check "$T/hj.out" "r[0]['status'] == 200 and 'application/vnd.docker.raw-stream' in r[0]['head'] and r[0]['got'] == '\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x09hijacked\\n' and r[0]['end'] == 'eof'"
[ -s "$T/hj.err" ] && show "$T/hj.err"

rc=0; as "$DEP" $D rm -f "$C" "evt-$S" "$K" >"$T/rmf" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && ! dkr_exists container "$C" && ! dkr_exists container "evt-$S" && ! dkr_exists container "$K"; then ok "deployer: docker rm -f"; else notok "deployer: docker rm -f"; fi
[ "$rc" -eq 0 ] || show "$T/rmf"
rc=0; as "$DEP" $D ps >"$T/ps403" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/ps403"; then ok "deployer: docker ps (readers only) refused with the 403"; else notok "deployer: docker ps (readers only) refused with the 403"; fi

# --- the example policy's routes, with the CLI: reader looks, deployer
# runs, execs, sends SIGHUP (the one signal its route allows), removes;
# SIGKILL and a reader's run are refused.
GWH=unix://$T/gw/example.sock
rc=0; as "$RD" $D info --format '{{.ServerVersion}}' >"$T/exinfo" 2>&1 || rc=$?
check "example: reader: docker info ($(head -1 "$T/exinfo"))" [ "$rc" -eq 0 ]
rc=0; as "$RD" $D images --format '{{.Repository}}:{{.Tag}}' >"$T/eximg" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -qx gwtest:latest "$T/eximg"; then ok "example: reader: docker images"; else notok "example: reader: docker images"; show "$T/eximg"; fi
rc=0; as "$RD" $D run --rm gwtest:latest true >"$T/exrun" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/exrun"; then ok "example: reader: docker run refused (403)"; else notok "example: reader: docker run refused (403)"; show "$T/exrun"; fi
rc=0; E=$(as "$DEP" $D run -d gwtest:latest sleep 300 2>"$T/exrund") || rc=$?
if [ "$rc" -eq 0 ] && [ -n "$E" ]; then ok "example: deployer: docker run -d"; else notok "example: deployer: docker run -d"; show "$T/exrund"; fi
rc=0; as "$DEP" $D exec -i "$E" cat <"$T/in" >"$T/exexec" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$T/in" "$T/exexec"; then ok "example: deployer: docker exec -i cat"; else notok "example: deployer: docker exec -i cat ($rc)"; fi
rc=0; as "$DEP" $D logs "$E" >"$T/exlogs" 2>&1 || rc=$?
check "example: deployer: docker logs" [ "$rc" -eq 0 ]
rc=0; as "$DEP" $D kill -s SIGHUP "$E" >"$T/exhup" 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then ok "example: deployer: docker kill -s SIGHUP (kill?signal=SIGHUP)"; else notok "example: deployer: docker kill -s SIGHUP"; show "$T/exhup"; fi
rc=0; as "$DEP" $D kill "$E" >"$T/exkill" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && err403 "$T/exkill" && [ "$(dkr inspect -f '{{.State.Running}}' "$E")" = true ]; then
	ok "example: deployer: docker kill (SIGKILL) refused (403), still running"
else
	notok "example: deployer: docker kill (SIGKILL) refused (403), still running"; show "$T/exkill"
fi
rc=0; as "$DEP" $D rm -f "$E" >"$T/exrm" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && ! dkr_exists container "$E"; then ok "example: deployer: docker rm -f"; else notok "example: deployer: docker rm -f"; show "$T/exrm"; fi
GWH=unix://$T/gw/docker.sock

# --- outsider: refused when it connects, before any request
c0=$(dockerd_calls '')
rc=0; as "$OUT" $D version >"$T/outv" 2>&1 || rc=$?
check "outsider: docker version fails ($rc)" [ "$rc" -ne 0 ]
show "$T/outv"
OUID=$(id -u "$OUT")
check "outsider: the denial is logged" grep -q "docker: denied pid [0-9]* uid $OUID gid [0-9]*: no rule matched" "$GW_LOG"
check "outsider: dockerd saw nothing" [ "$(dockerd_calls '')" -eq "$c0" ]

# --- smuggling, as a caller allowed only /_ping (listener dping). Every
# API request dockerd serves is in its log: none but /_ping may appear.
P=$T/gw/ping.sock
# Each attempt from a uid of its own (SMU, counted up): refusals share
# the logs' per-uid rate limit, and each must have its audit line.
SMU=64300
OR() { SMU=$((SMU + 1)); setpriv --reuid="$SMU" --regid="$SMU" --clear-groups $R "$@"; }
ck() { check "$1" $R check "$2" "$3"; }
ncont=$(dkr ps -aq | wc -l)
mark=$(wc -l <"$DOCKERD_LOG")
OR req -t 3 "$P" 'POST /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 47\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /containers/json HTTP/1.1\r\nHost: d\r\n\r\n' >"$T/s1"
ck "smuggle: CL+TE: 400, closed" "$T/s1" "[x['status'] for x in r] == [400] and end['end'] == 'eof'"
for tgt in /containers%2Fjson /v1.41/containers%2fjson /_ping/../containers/json /%2e%2e/containers/json /_ping/%2E%2E/containers/json //containers/json; do
	OR req -t 3 "$P" "GET $tgt HTTP/1.1\\r\\nHost: d\\r\\n\\r\\n" >"$T/s2"
	ck "smuggle: GET $tgt: 400, closed" "$T/s2" "[x['status'] for x in r] == [400] and end['end'] == 'eof'"
done
OR req -n 1 "$P" 'GET /v1.41/containers/json HTTP/1.1\r\nHost: d\r\n\r\n' >"$T/s3"
ck "smuggle: GET /v1.41/containers/json: 403" "$T/s3" "r[0]['status'] == 403"
HID='POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{"Image":"gwtest:latest"}'
HLEN=$(python3 -c 'import sys; print(len(sys.argv[1].encode().decode("unicode_escape")))' "$HID")
OR req -t 2 "$P" "POST /_ping HTTP/1.1\\r\\nHost: d\\r\\nContent-Length: $HLEN\\r\\n\\r\\n$HID" >"$T/s4"
ck "smuggle: a request hidden in a Content-Length body: dockerd's one answer (404)" "$T/s4" "[x['status'] for x in r] == [404] and end['junk'] == 0"
OR req -t 2 "$P" "POST /_ping HTTP/1.1\\r\\nHost: d\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n$(printf %x "$HLEN")\\r\\n$HID\\r\\n0\\r\\n\\r\\n" >"$T/s5"
ck "smuggle: a request hidden in a chunked body: dockerd's one answer (404)" "$T/s5" "[x['status'] for x in r] == [404] and end['junk'] == 0"
OR req -n 2 "$P" 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET /containers/json HTTP/1.1\r\nHost: d\r\n\r\n' >"$T/s6"
ck "smuggle: pipelined after an allowed request: 200, then 403" "$T/s6" "[x['status'] for x in r] == [200, 403] and r[0]['body'] == 'OK'"
tail -n +"$((mark + 1))" "$DOCKERD_LOG" | grep -o 'msg="Calling [^"]*' | sed 's/msg="Calling //' >"$T/calls"
check "smuggle: dockerd served only /_ping meanwhile ($(tr '\n' ';' <"$T/calls"))" \
    sh -c "[ -s '$T/calls' ] && ! grep -vE '^(GET|HEAD) /_ping\$' '$T/calls'"
check "smuggle: no container was created ($ncont)" [ "$(dkr ps -aq | wc -l)" -eq "$ncont" ]

# --- audit all: one JSON line per request
grep -o '{"type":"audit".*}' "$GW_LOG" >"$T/audit.json"
RUID=$(id -u "$RD"); DUID=$(id -u "$DEP")
check "audit: reader's GET /containers/json allowed, 200" python3 -c "
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not [x for x in a if x['listener'] == 'docker' and x['uid'] == $RUID and x['method'] == 'GET' and x['path'].endswith('/containers/json') and x['decision'] == 'allow' and x['status'] == 200 and x['route']])
" "$T/audit.json"
check "audit: reader's POST /containers/create denied, 403, by the catch-all" python3 -c "
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not [x for x in a if x['listener'] == 'docker' and x['uid'] == $RUID and x['method'] == 'POST' and x['path'].endswith('/containers/create') and x['decision'] == 'deny' and x['status'] == 403 and x['route'].endswith(':%d' % [i for i, l in enumerate(open('$T/p.policy'), 1) if l.startswith('\troute\t*\t')][0])])
" "$T/audit.json"
check "audit: deployer's exec start allowed, 101 (the connection upgraded)" python3 -c "
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not [x for x in a if x['uid'] == $DUID and x['method'] == 'POST' and '/exec/' in x['path'] and x['path'].endswith('/start') and x['decision'] == 'allow' and x['status'] == 101])
" "$T/audit.json"
check "audit: the 7 smuggling 400s logged, each once as invalid" python3 -c "
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not all([(x['listener'], x['decision'], x['status']) for x in a if x['uid'] == u] == [('dping', 'invalid', 400)] for u in range(64301, 64308)))
" "$T/audit.json"
check "audit: the pipelined request after /_ping: allow 200, then deny 403 (uid $SMU)" python3 -c "
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not [(x['method'], x['path'], x['decision'], x['status']) for x in a if x['uid'] == $SMU] == [('GET', '/_ping', 'allow', 200), ('GET', '/containers/json', 'deny', 403)])
" "$T/audit.json"

stop_clients
[ -n "$SYSDOCK" ] ||
    check "docker: no /run/docker.sock appeared (the system daemon was not used)" [ ! -e /run/docker.sock ]
t2=$(date +%s%N)
dockerd_stop
check "docker: dockerd stopped by its pid in $((($(date +%s%N) - t2) / 1000000)) ms, exit 0" [ "$DOCKERD_STATUS" -eq 0 ]
# Every one names its exec root (dockerd, containerd, each shim).
engine_gone() { ! pgrep -f "$T/d/[e]xec" >/dev/null; }
check "docker: no process of the private engine left (containerd, shims)" \
    wait_for 10 engine_gone
stop_gw TERM
check "docker: gateway SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
echo "# t_proxy_docker.sh: $((($(date +%s%N) - tstart) / 1000000)) ms"
