# HTTP service through Node's http client: http.request({socketPath}) with
# a keep-alive Agent (maxSockets 4), 500 requests (GET with a unique path,
# POST /echo with random bodies, also chunked), every body verified, and
# the connections were re-used: at most 4 sockets on the client side and
# the daemon's connections_total grew by the same number.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
workers 2
listener web {
	path	$T/http.sock
	service	http
	mode	0660
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "node: daemon start"; exit 1; }

cat >"$T/client.js" <<'EOJ'
const http = require('http');
const crypto = require('crypto');
const [sock, nstr] = process.argv.slice(2);
const N = parseInt(nstr, 10);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const sockets = new Set();
let done = 0, bad = 0, reused = 0, firstErr = '';
const fail = (m) => { bad++; if (!firstErr) firstErr = m; };

function one(i) {
  const kind = i % 3;            // 0: GET, 1: POST length, 2: POST chunked
  const body = kind ? crypto.randomBytes(crypto.randomInt(0, 65536)) : null;
  const path = kind ? '/echo' : '/n/' + i + '?q=' + i;
  const opts = { socketPath: sock, path, agent, method: kind ? 'POST' : 'GET',
    headers: kind === 1 ? { 'Content-Length': body.length } : {} };
  const req = http.request(opts, (res) => {
    const parts = [];
    res.on('data', (d) => parts.push(d));
    res.on('end', () => {
      const got = Buffer.concat(parts);
      if (res.statusCode !== 200) fail(i + ': status ' + res.statusCode);
      else if (kind === 0) {
        const want = '{"message":"Hello from your HTTP server on a Unix socket!","url":"' + path + '"}';
        if (got.toString() !== want) fail(i + ': body ' + got);
        if (res.headers['content-type'] !== 'application/json') fail(i + ': type');
      } else if (!got.equals(body)) fail(i + ': echo mismatch ' + got.length + ' vs ' + body.length);
      if (res.headers['connection'] !== 'keep-alive') fail(i + ': connection ' + res.headers['connection']);
      if (++done === N) finish();
    });
  });
  req.on('socket', (s) => { if (sockets.has(s)) reused++; else sockets.add(s); });
  req.on('error', (e) => { fail(i + ': ' + e.message); if (++done === N) finish(); });
  if (kind === 2) { req.write(body.subarray(0, body.length >> 1)); req.end(body.subarray(body.length >> 1)); }
  else req.end(body || undefined);
}
function finish() {
  console.log(JSON.stringify({ done, bad, sockets: sockets.size, reused, firstErr }));
  agent.destroy();
  process.exit(bad ? 1 : 0);
}
setTimeout(() => { console.log(JSON.stringify({ timeout: true, done, bad })); process.exit(3); }, 60000);
for (let i = 0; i < N; i++) one(i);
EOJ

metric() {
	curl -s -m 10 --unix-socket "$T/http.sock" http://localhost/metrics |
	    awk -v k="uds_gateway_$1{listener=\"web\"}" '$1 == k { print $2 }'
}
c0=$(metric connections_total)
out=$(node "$T/client.js" "$T/http.sock" 500)
echo "# node: $out"
c1=$(metric connections_total)
field() { echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
check "node: 500 requests done" [ "$(field done)" = 500 ]
check "node: every status, body and header verified (first error: $(field firstErr))" [ "$(field bad)" = 0 ]
s=$(field sockets)
check "node: at most 4 sockets used ($s)" [ "$s" -ge 1 ] && [ "$s" -le 4 ]
check "node: sockets re-used for the other requests" [ "$(field reused)" -eq $((500 - s)) ]
# The first scrape's connection is counted in c0, the second's in c1.
check "node: daemon saw as many connections as sockets ($c0 -> $c1)" [ $((c1 - c0 - 1)) -eq "$s" ]

stop_gw TERM
check "node: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
