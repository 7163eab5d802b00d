# The per-uid table frees a uid's slot when its last connection closes:
# 600 distinct uids, one after another (what one user with a subordinate
# uid range can do), on a listener whose table has 32 slots, are all
# served, and so are new uids after them. The table used to keep every
# uid it had seen and refused every new one once 512 were in it.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
workers 2
listener h {
	path	$T/h.sock
	service	http
	mode	0666
	allow_world_writable yes
	allow	any
	max_connections	16
	max_connections_per_uid 4
}
listener mon {
	path	$T/mon.sock
	service	http
	allow	uid 0
	metrics_all yes
}
EOP
start_gw "$T/p.policy" || { notok "uidtable: daemon start"; exit 1; }

# as_uids SOCKET UID...: one GET /healthz per uid, each from a child
# that has taken that uid (any uid: no passwd entry needed); prints the
# uids that did not get a 200.
as_uids() {
	python3 - "$@" <<'EOF'
import os, socket, sys

path = sys.argv[1]

def one(uid):
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(path)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
            os._exit(0 if data.startswith(b"HTTP/1.1 200 ") else 1)
        except Exception:
            os._exit(2)
    _, st = os.waitpid(pid, 0)
    return os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0

print(" ".join(str(u) for u in map(int, sys.argv[2:]) if not one(u)))
EOF
}

bad=$(as_uids "$T/h.sock" $(seq 100000 100599))
nbad=$(echo $bad | wc -w)
check "600 distinct uids one after another: all served (refused: $nbad)" \
    [ -z "$bad" ]
bad=$(as_uids "$T/h.sock" 200000 1000 0)
check "then new uids 200000, 1000 and 0 are served (refused: ${bad:-none})" \
    [ -z "$bad" ]
check "no uid was refused for a full table" \
    sh -c "! grep -q 'per-uid table full\|max_connections_per_uid reached' '$GW_LOG'"
full=$(curl -s --unix-socket "$T/mon.sock" http://x/metrics |
    awk '$1 == "uds_gateway_denials_total{listener=\"h\",reason=\"uid_table_full\"}" { print $2 }')
check "denials_total{reason=uid_table_full} is exported and 0 (${full:-missing})" \
    [ "$full" = 0 ]

# The cap is still exact after the churn: uid 100007 holds 4 answered
# keep-alive connections; its fifth gets 403, another uid still 200.
python3 - "$T/h.sock" >"$T/cap.out" <<'EOF'
import os, socket, sys

path = sys.argv[1]
os.setgroups([])
os.setresgid(100007, 100007, 100007)
os.setresuid(100007, 100007, 100007)

def get(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        if not b:
            break
        data += b
    return data.split(b" ")[1].decode() if data else "none"

held = []
for i in range(4):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    print(get(s))
    held.append(s)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
print(get(s))
EOF
check "uid at its cap of 4: 200 x4 then 403 ($(echo $(cat "$T/cap.out")))" \
    [ "$(echo $(cat "$T/cap.out"))" = "200 200 200 200 403" ]
bad=$(as_uids "$T/h.sock" 100008)
check "meanwhile another uid is served" [ -z "$bad" ]
stop_gw TERM
check "SIGTERM: exit 0" [ "$GW_STATUS" -eq 0 ]
