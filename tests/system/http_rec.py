#!/usr/bin/env python3
# http_rec.py: an HTTP/1.1 upstream that records the raw requests it gets,
# and a raw client, for the proxy tests (t_proxy_http.sh). Standard library.
#
#   http_rec.py serve (--unix PATH | --tcp PORTFILE) --log FILE --ready FILE
#       [--dir DIR]
# Serves until killed. Each request is read with its framing (Content-
# Length or chunked; both at once is recorded, and answered 400), logged
# as one JSON line to --log (flushed), and answered 200 with that JSON as
# the body (Content-Length), keep-alive unless the request says close:
#   {"conn": N (1, 2, ... in accept order), "nreq": K (K-th on that
#    connection), "accepts": N, "method", "target", "version",
#    "headers": [[name, value], ...] (as received, in order),
#    "framing": "length"|"chunked"|"both"|"none", "body": latin-1 string,
#    "head_raw": latin-1 string}
# Special targets (the path, query ignored):
#   /chunked  200 chunked: "first\n", then waits (10 s at most) for the
#             file DIR/release, then "second\n" and the last chunk.
#   /close    200 with no length, Connection: close; body ends at close.
#   /slow     reads the request, never answers (holds the connection 30 s).
#   /sse      text/event-stream, chunked, "data: N\n\n" every 0.1 s, 300
#             events at most, until the client goes.
#   /drop     reads the whole request, logs it, closes without answering.
#   /nocontent 204, /notmodified 304 (no body).
#   /stall    reads the head, none of the body; holds the connection 30 s.
#   /early    answers 413 at once, reads none of the body (drops what
#             comes for 2 s, then closes).
#   /big?N    N bytes (Content-Length) in 64 KiB writes, the count sent so
#             far in DIR/big.sent.
#   /upgrade  with Connection: upgrade and an Upgrade field: 101 with that
#             protocol, then an echo of every byte (those that came after
#             the head first), and after the client's EOF "bye\n" and EOF;
#             without: the usual record.
# HEAD is answered with the Content-Length GET would have, and no body.
#
#   http_rec.py req [-t SECS] SOCKET|HOST:PORT RAW [RAW...]
# Sends each RAW (Python escapes) in its own sendall() on one connection,
# then reads responses with their framing until EOF or -t SECS (default
# 5) of silence, and prints one JSON object per response on its own line:
#   {"status": N, "headers": [[name, value]...], "body": str, "end": ...}
# and a last line {"end": "eof"|"open"|"reset", "junk": N}.
# With -H, the first response is to a HEAD (no body); with -n N, stop
# after N responses (end "open" unless the server had closed).
#
#   http_rec.py stream [-t SECS] ADDR RAW MARKER FILE
# Sends RAW, reads until MARKER (Python escapes) is among the bytes
# received, then creates FILE and reads the whole response; with FILE
# "-", closes the connection once MARKER came (a stream that never ends).
# Prints {"marker": true|false (seen before FILE was made),
#         "status": N, "body": str (de-chunked)}.
#
#   http_rec.py tunnel ADDR HEAD EARLY LATE [WAITFOR]
# Writes HEAD and EARLY at once, reads the response head, then (after a
# 101, or a 200 with a Docker stream type) writes LATE, reads until
# WAITFOR came (if given), and shuts its write side; reads to EOF. Prints
# {"status": N, "head": str, "got": str (all after the head), "end"}.
#
#   http_rec.py push ADDR HEAD SECS
# Sends HEAD, then body bytes for SECS seconds, as many as are taken
# (non-blocking); prints {"sent": N}.
#
#   http_rec.py pull ADDR RAW SECS FILE
# Sends RAW, reads nothing for SECS seconds, copies FILE to FILE.held,
# then reads the response; prints it as req does, the body replaced by
# "length".
#
#   http_rec.py multi ADDR DELAY RAW [DELAY RAW...]
# For each pair: sleeps DELAY seconds, then sends RAW on a connection of
# its own and prints the response as req does (one process: no start-up
# time between the requests).
#
#   http_rec.py check FILE EXPR
# Exit 0 if the Python expression EXPR holds for FILE, the output of req
# or stream, or a recorder's answer body (curl); see check() below.
import json
import os
import socket
import sys
import threading
import time

LOCK = threading.Lock()
ACCEPTS = [0]


def recv_until(sock, buf, sep):
    while sep not in buf:
        d = sock.recv(65536)
        if not d:
            return None, buf
        buf += d
    i = buf.index(sep) + len(sep)
    return buf[:i], buf[i:]


def recv_n(sock, buf, n):
    # Pieces joined once: a 64 MiB body is not copied at every recv.
    parts, have = [buf], len(buf)
    while have < n:
        d = sock.recv(1 << 20)
        if not d:
            return None, b"".join(parts)
        parts.append(d)
        have += len(d)
    buf = b"".join(parts)
    return buf[:n], buf[n:]


def read_chunked(sock, buf):
    body = b""
    while True:
        line, buf = recv_until(sock, buf, b"\r\n")
        if line is None:
            return None, buf
        size = int(line.split(b";")[0].strip(), 16)
        if size == 0:
            # trailer section up to the empty line
            while True:
                line, buf = recv_until(sock, buf, b"\r\n")
                if line is None:
                    return None, buf
                if line == b"\r\n":
                    return body, buf
        data, buf = recv_n(sock, buf, size + 2)
        if data is None:
            return None, buf
        body += data[:size]


def parse_head(raw):
    lines = raw[:-4].split(b"\r\n")
    method, target, version = lines[0].decode("latin-1").split(" ", 2)
    headers = []
    for ln in lines[1:]:
        k, _, v = ln.decode("latin-1").partition(":")
        headers.append([k, v.strip()])
    return method, target, version, headers


def hget(headers, name):
    return [v for k, v in headers if k.lower() == name]


class Server:
    def __init__(self, log, d):
        self.log = open(log, "a")
        self.dir = d

    def record(self, rec):
        with LOCK:
            self.log.write(json.dumps(rec) + "\n")
            self.log.flush()

    def handle(self, sock, conn):
        buf = b""
        nreq = 0
        try:
            while True:
                head, buf = recv_until(sock, buf, b"\r\n\r\n")
                if head is None:
                    return
                nreq += 1
                method, target, version, headers = parse_head(head)
                cl = hget(headers, "content-length")
                te = hget(headers, "transfer-encoding")
                if cl and te:
                    framing = "both"
                elif te:
                    framing = "chunked"
                elif cl:
                    framing = "length"
                else:
                    framing = "none"
                if target.split("?")[0] == "/early":
                    # 413 before the body, none of which is read; the
                    # connection held 2 s (reading and dropping), closed.
                    self.record({"conn": conn, "method": method,
                                 "target": target, "headers": headers})
                    sock.sendall(b"HTTP/1.1 413 Payload Too Large\r\n"
                                 b"Content-Type: text/plain\r\n"
                                 b"Content-Length: 9\r\n\r\ntoo large")
                    sock.settimeout(0.2)
                    end = time.monotonic() + 2
                    while time.monotonic() < end:
                        try:
                            if not sock.recv(65536):
                                break
                        except socket.timeout:
                            pass
                    return
                if target.split("?")[0] == "/stall":
                    # Reads none of the body: the client must be held back.
                    self.record({"conn": conn, "method": method,
                                 "target": target, "headers": headers})
                    time.sleep(30)
                    return
                body = b""
                if te and te[-1].lower() == "chunked":
                    body, buf = read_chunked(sock, buf)
                elif cl:
                    body, buf = recv_n(sock, buf, int(cl[0]))
                if body is None:
                    body = b""
                    broken = True
                else:
                    broken = False
                rec = {"conn": conn, "nreq": nreq, "accepts": ACCEPTS[0],
                       "method": method, "target": target,
                       "version": version, "headers": headers,
                       "framing": framing, "body": body.decode("latin-1"),
                       "head_raw": head.decode("latin-1"),
                       "broken": broken}
                self.record(rec)
                if broken:
                    return
                path = target.split("?")[0]
                close = any("close" in v.lower()
                            for v in hget(headers, "connection"))
                if framing == "both":
                    sock.sendall(b"HTTP/1.1 400 Bad Request\r\n"
                                 b"Content-Length: 0\r\nConnection: close"
                                 b"\r\n\r\n")
                    return
                if path == "/drop":
                    return
                upg = hget(headers, "upgrade")
                if path == "/upgrade" and upg and any(
                        "upgrade" in v.lower()
                        for v in hget(headers, "connection")):
                    self.tunnel(sock, upg[0], buf)
                    return
                if path == "/slow":
                    time.sleep(30)
                    return
                if path == "/big":
                    self.big(sock, target)
                    return
                if not self.respond(sock, method, path, rec, close):
                    return
        except (ConnectionError, OSError):
            return
        finally:
            sock.close()

    def big(self, sock, target):
        # /big?N: N bytes with Content-Length, in 64 KiB writes; how many
        # went out so far is in DIR/big.sent (rewritten after each write).
        n = int(target.split("?")[1])
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/"
                     b"octet-stream\r\nContent-Length: %d\r\n\r\n" % n)
        sent = 0
        blk = b"x" * 65536
        path = os.path.join(self.dir, "big.sent")
        while sent < n:
            k = min(len(blk), n - sent)
            sock.sendall(blk[:k])
            sent += k
            with open(path + ".tmp", "w") as f:
                f.write("%d\n" % sent)
            os.replace(path + ".tmp", path)

    def tunnel(self, sock, proto, early):
        # 101, then an echo of every byte (those that came with the head
        # first); after the client's EOF, "bye\n" and EOF.
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                     b"Connection: Upgrade\r\nUpgrade: " +
                     proto.encode("latin-1") + b"\r\n\r\n")
        if early:
            sock.sendall(early)
        while True:
            d = sock.recv(65536)
            if not d:
                break
            sock.sendall(d)
        sock.sendall(b"bye\n")
        sock.shutdown(socket.SHUT_WR)

    def respond(self, sock, method, path, rec, close):
        head_only = method == "HEAD"
        ka = b"Connection: close\r\n" if close else b""
        if path == "/chunked":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Transfer-Encoding: chunked\r\n" + ka + b"\r\n"
                         b"6\r\nfirst\n\r\n")
            rel = os.path.join(self.dir, "release")
            end = time.monotonic() + 10
            while not os.path.exists(rel) and time.monotonic() < end:
                time.sleep(0.02)
            sock.sendall(b"7\r\nsecond\n\r\n0\r\n\r\n")
            return not close
        if path == "/close":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Connection: close\r\n\r\nclose-delimited body\n")
            return False
        if path == "/sse":
            sock.sendall(b"HTTP/1.1 200 OK\r\n"
                         b"Content-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for i in range(300):
                ev = b"data: %d\n\n" % i
                sock.sendall(b"%x\r\n%s\r\n" % (len(ev), ev))
                time.sleep(0.1)
            sock.sendall(b"0\r\n\r\n")
            return not close
        if path in ("/nocontent", "/notmodified"):
            st = b"204 No Content" if path == "/nocontent" else \
                b"304 Not Modified"
            sock.sendall(b"HTTP/1.1 " + st + b"\r\n" + ka + b"\r\n")
            return not close
        body = json.dumps(rec).encode()
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n" % len(body) + ka + b"\r\n" +
                     (b"" if head_only else body))
        return not close


def serve(args):
    opts = dict(zip(args[0::2], args[1::2]))
    if "--unix" in opts:
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(opts["--unix"])
        except FileNotFoundError:
            pass
        ls.bind(opts["--unix"])
        os.chmod(opts["--unix"], 0o666)
    else:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        with open(opts["--tcp"], "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
    ls.listen(256)
    srv = Server(opts["--log"], opts.get("--dir", "."))
    with open(opts["--ready"], "w") as f:
        f.write("ready\n")
    while True:
        s, _ = ls.accept()
        with LOCK:
            ACCEPTS[0] += 1
            n = ACCEPTS[0]
        t = threading.Thread(target=srv.handle, args=(s, n), daemon=True)
        t.start()


def read_response(sock, buf, head_only):
    head, buf = recv_until(sock, buf, b"\r\n\r\n")
    if head is None:
        return None, buf
    lines = head[:-4].split(b"\r\n")
    st = int(lines[0].split(b" ")[1])
    headers = []
    for ln in lines[1:]:
        k, _, v = ln.decode("latin-1").partition(":")
        headers.append([k, v.strip()])
    te = hget(headers, "transfer-encoding")
    cl = hget(headers, "content-length")
    res = {"status": st, "headers": headers}
    if head_only or st in (204, 304) or st < 200:
        body = b""
    elif te:
        body, buf = read_chunked(sock, buf)
    elif cl:
        body, buf = recv_n(sock, buf, int(cl[0]))
    else:
        body = buf
        while True:
            d = sock.recv(65536)
            if not d:
                break
            body += d
        buf = b""
    if body is None:
        res["truncated"] = True
        body = buf
        buf = b""
    res["body"] = body.decode("latin-1")
    return res, buf


def connect(addr, tmo):
    if "/" in addr:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(tmo)
        s.connect(addr)
    else:
        h, _, p = addr.rpartition(":")
        s = socket.create_connection((h, int(p)), timeout=tmo)
    return s


def stream(args):
    tmo = 5.0
    if args[0] == "-t":
        tmo = float(args[1])
        args = args[2:]
    addr, raw, marker, fil = args
    raw = raw.encode("latin-1").decode("unicode_escape").encode("latin-1")
    marker = marker.encode("latin-1").decode("unicode_escape")
    marker = marker.encode("latin-1")
    s = connect(addr, tmo)
    s.sendall(raw)
    got = b""
    seen = False
    try:
        while marker not in got:
            d = s.recv(65536)
            if not d:
                break
            got += d
        seen = marker in got
    except socket.timeout:
        pass
    if fil == "-":
        s.close()
        print(json.dumps({"marker": seen, "head": got.split(b"\r\n")[0].decode("latin-1")}))
        return
    open(fil, "w").close()
    res = None
    try:
        res, _ = read_response(s, got, False)
    except (socket.timeout, ConnectionError, ValueError, IndexError):
        pass
    out = {"marker": seen}
    if res:
        out.update(res)
    print(json.dumps(out))


def tunnel(args):
    # tunnel ADDR HEAD EARLY LATE: HEAD and EARLY in one write, the
    # response head, then LATE, then our EOF; everything after the
    # response head until the server's EOF is "got".
    # With WAITFOR, our EOF goes only once WAITFOR came back (Docker ends
    # an attach at stdin's EOF, output still on its way or not).
    if len(args) == 4:
        args = args + [""]
    addr, head, early, late, waitfor = [
        a.encode("latin-1").decode("unicode_escape").encode("latin-1")
        if i else a for i, a in enumerate(args)]
    s = connect(addr, 5.0)
    s.sendall(head + early)
    out = {}
    try:
        h, rest = recv_until(s, b"", b"\r\n\r\n")
        out["head"] = (h or rest).decode("latin-1")
        out["status"] = int((h or rest).split(b" ")[1]) if h else 0
        # After a 101, or Docker's 200 on a hijacked connection.
        if h and (out["status"] == 101 or (out["status"] == 200 and
                  b"application/vnd.docker." in h.lower())):
            s.sendall(late)
            while waitfor not in rest:
                d = s.recv(65536)
                if not d:
                    break
                rest += d
            s.shutdown(socket.SHUT_WR)
        while True:
            d = s.recv(65536)
            if not d:
                break
            rest += d
        out["end"] = "eof"
    except socket.timeout:
        out["end"] = "open"
    except ConnectionResetError:
        out["end"] = "reset"
    out["got"] = rest.decode("latin-1")
    print(json.dumps(out))


def push(args):
    # push ADDR HEAD SECS: HEAD, then body bytes for SECS seconds, as many
    # as the peer takes (non-blocking writes); prints {"sent": N}.
    addr, head, secs = args
    s = connect(addr, 5.0)
    s.sendall(head.encode("latin-1").decode("unicode_escape")
              .encode("latin-1"))
    s.setblocking(False)
    blk = b"y" * 65536
    sent = 0
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            sent += s.send(blk)
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break
    print(json.dumps({"sent": sent}))


def pull(args):
    # pull ADDR RAW SECS FILE: sends RAW, reads nothing for SECS seconds,
    # copies FILE (the recorder's big.sent) to FILE.held, then reads the
    # response; prints it as req does, the body replaced by its length.
    addr, raw, secs, fil = args
    s = connect(addr, 10.0)
    s.sendall(raw.encode("latin-1").decode("unicode_escape")
              .encode("latin-1"))
    time.sleep(float(secs))
    try:
        held = open(fil).read()
    except FileNotFoundError:
        held = "0\n"
    with open(fil + ".held", "w") as f:
        f.write(held)
    res, _ = read_response(s, b"", False)
    res["length"] = len(res.pop("body"))
    print(json.dumps(res))


def multi(args):
    # multi ADDR DELAY RAW [DELAY RAW...]: for each pair, after DELAY
    # seconds, one request on a connection of its own; one response each.
    addr = args[0]
    for i in range(1, len(args), 2):
        time.sleep(float(args[i]))
        raw = args[i + 1].encode("latin-1").decode("unicode_escape")
        s = connect(addr, 5.0)
        s.sendall(raw.encode("latin-1"))
        res, _ = read_response(s, b"", False)
        s.close()
        print(json.dumps(res))
        sys.stdout.flush()


def req(args):
    tmo, head_only, nmax = 5.0, False, -1
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-t":
            tmo = float(args.pop(0))
        elif a == "-H":
            head_only = True
        elif a == "-n":
            nmax = int(args.pop(0))
    s = connect(args[0], tmo)
    for r in args[1:]:
        raw = r.encode("latin-1").decode("unicode_escape").encode("latin-1")
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            break
    buf = b""
    end = "open"
    n = 0
    try:
        while True:
            res, buf = read_response(s, buf, head_only and n == 0)
            if res is None:
                end = "eof"
                break
            n += 1
            print(json.dumps(res))
            sys.stdout.flush()
            if n == nmax:
                break
    except socket.timeout:
        pass
    except ConnectionResetError:
        end = "reset"
    print(json.dumps({"end": end, "junk": len(buf)}))


def check(args):
    # check FILE EXPR: EXPR (Python) true of FILE, a req/stream output or
    # a body the recorder sent (curl -o). Names: r (responses), end, u
    # (the recorder's record in r[0]'s body, or FILE itself), H(name) (the
    # values of a field the upstream got), RH(name) (of r[0]'s response).
    fil, expr = args
    text = open(fil, encoding="latin-1").read()
    lines = [ln for ln in text.split("\n") if ln.strip()]
    r, end, u = [], {}, {}
    try:
        objs = [json.loads(ln) for ln in lines]
        if objs and ("status" in objs[0] or "marker" in objs[0]):
            r = [o for o in objs if "status" in o or "marker" in o]
            end = objs[-1] if "end" in objs[-1] else {}
            try:
                u = json.loads(r[0]["body"])
            except (KeyError, ValueError, IndexError):
                u = {}
        elif len(objs) == 1:
            u = objs[0]
    except ValueError:
        pass

    def H(name):
        return [v for k, v in u.get("headers", []) if k.lower() == name.lower()]

    def RH(name):
        return [v for k, v in (r[0]["headers"] if r else [])
                if k.lower() == name.lower()]
    try:
        ok = eval(expr, {"r": r, "end": end, "u": u, "H": H, "RH": RH,
                         "json": json, "sorted": sorted})
    except Exception as e:  # noqa: BLE001 - a failed check, reported
        ok = False
        print("#   %s: %r" % (expr, e))
    if not ok:
        print("#   false: %s" % expr)
        for ln in lines[:6]:
            print("#   " + ln[:600])
    sys.exit(0 if ok else 1)


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif sys.argv[1] == "req":
        req(sys.argv[2:])
    elif sys.argv[1] == "push":
        push(sys.argv[2:])
    elif sys.argv[1] == "pull":
        pull(sys.argv[2:])
    elif sys.argv[1] == "multi":
        multi(sys.argv[2:])
    elif sys.argv[1] == "tunnel":
        tunnel(sys.argv[2:])
    elif sys.argv[1] == "check":
        check(sys.argv[2:])
    elif sys.argv[1] == "stream":
        stream(sys.argv[2:])
    else:
        sys.exit("usage: http_rec.py serve|req ...")


main()
