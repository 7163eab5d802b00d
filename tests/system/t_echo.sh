# Echo: 1 B, 64 KiB and 64 MiB come back byte-identical through socat and
# through a Node client written like the seed's client.js; half-close.
. "$(dirname "$0")/lib.sh"

cat >"$T/p.policy" <<EOP
listener echo {
	path	$T/echo.sock
	service	echo
	mode	0660
	allow	any
}
EOP
start_gw "$T/p.policy" || { notok "echo: daemon start"; exit 1; }

head -c 1 /dev/urandom >"$T/1b"
head -c 65536 /dev/urandom >"$T/64k"
head -c 67108864 /dev/urandom >"$T/64m"
for f in 1b 64k 64m; do
	check "echo via socat: $f identical (cmp)" echo_roundtrip "$T/echo.sock" "$T/$f"
done
sum_in=$(sha256sum <"$T/64m" | cut -d' ' -f1)
sum_out=$(sha256sum <"$T/64m.back" | cut -d' ' -f1)
check "echo via socat: 64 MiB sha256 matches" [ "$sum_in" = "$sum_out" ]

cat >"$T/client.js" <<'EOJ'
// Like the seed's client.js: connect to the socket path, write, read back.
const net = require('net');
const fs = require('fs');
const crypto = require('crypto');
const [sock, file] = process.argv.slice(2);
const data = fs.readFileSync(file);
const chunks = [];
let got = 0;
const c = net.createConnection(sock, () => {
  c.end(data);           // write all, then half-close
});
c.on('data', (d) => { chunks.push(d); got += d.length; });
c.on('end', () => {
  const back = Buffer.concat(chunks);
  const h = (b) => crypto.createHash('sha256').update(b).digest('hex');
  if (back.length === data.length && h(back) === h(data)) {
    console.log('match ' + got);
    process.exit(0);
  }
  console.log('mismatch ' + back.length + ' vs ' + data.length);
  process.exit(1);
});
c.on('error', (e) => { console.log('error ' + e.message); process.exit(2); });
setTimeout(() => { console.log('timeout'); process.exit(3); }, 60000);
EOJ
for f in 1b 64k 64m; do
	check "echo via node net client: $f identical" sh -c "node '$T/client.js' '$T/echo.sock' '$T/$f' >/dev/null"
done

# Half-close: we send, shut down our side; all bytes still come back.
out=$(printf 'half-close' | socat -t 5 - "UNIX-CONNECT:$T/echo.sock")
check "echo: half-close flushes then closes" [ "$out" = "half-close" ]

stop_gw TERM
check "echo: SIGTERM exits 0" [ "$GW_STATUS" -eq 0 ]
check "echo: socket removed at exit" [ ! -e "$T/echo.sock" ]
check "echo: lock file removed at exit" [ ! -e "$T/echo.sock.lock" ]
