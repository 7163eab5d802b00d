#!/usr/bin/env python3
# load.py SOCKET THREADS REQUESTS [MODE] [SLEEP_MS]
# HTTP/1.1 POST /echo over AF_UNIX with the python3 standard library;
# every answer must be 200 with the body sent (each body is unique, so a
# lost, repeated or misordered answer shows as a wrong body). One line:
#   sent=N ok=N failed=N retried=N reopened=N refused=N closed_idle=N
#   max_ms=N
# preceded, in the strict modes, by "# running" once every thread has had
# its first answer (a test can start its reloads then).
# (refused: connect() failed; closed_idle: see strict)
# MODE:
# keepalive: one connection per thread, reused. A reused connection that
#   the server closed while idle is handled as HTTP clients do (RFC 9112
#   9.3.1): found closed before sending -> reopened (counted "reopened");
#   closed with no byte of a response after the request was written ->
#   the request is retried once on a new connection (counted "retried").
#   Any other error, a non-200 or a wrong body counts as "failed".
# strict: a client that never retries (what a reload must survive). One
#   keep-alive connection per thread; a new connection is opened only
#   after an answer that said "Connection: close" (counted "reopened",
#   not a failure: the server announced the close). Everything else is a
#   failure: a connection closed or reset with a request outstanding, no
#   answer within 15 s, a wrong answer, a refused connect, and a
#   connection found closed before a request was sent without the server
#   having said so (counted "closed_idle" as well: a client sending at
#   that moment would have lost its request; HTTP/1.1 allows the close,
#   but a drain must not do it).
# strict-stop: strict, for a server being stopped (SIGTERM): a refused
#   connect (ECONNREFUSED, or ENOENT once the socket is gone) ends that
#   thread; it is counted in "refused" and is not a failure, since no
#   request had been sent. Requests on connections that were open, and on
#   connections the server accepted, must all be answered.
# fresh: a new connection for every request; nothing is retried.
import http.client, select, socket, sys, threading, time

path = sys.argv[1]
nthreads = int(sys.argv[2])
nreq = int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "keepalive"
pause = (int(sys.argv[5]) if len(sys.argv) > 5 else 0) / 1000.0
lock = threading.Lock()
tot = {"sent": 0, "ok": 0, "failed": 0, "retried": 0, "reopened": 0,
       "refused": 0, "closed_idle": 0, "max_ms": 0}
strict = mode in ("strict", "strict-stop")
errors = []
# Once every thread has had its first answer: "# running" on stdout.
first = threading.Barrier(nthreads, action=lambda: print("# running",
                                                          flush=True))


class UConn(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost", timeout=15)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(15)
        s.connect(path)
        self.sock = s


def closed_idle(conn):
    if conn.sock is None:
        return False
    r, _, _ = select.select([conn.sock], [], [], 0)
    if not r:
        return False
    try:
        return conn.sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def arrive():
    try:
        first.wait(timeout=60)
    except threading.BrokenBarrierError:
        pass


def strict_worker(tid, c):
    conn = UConn()
    for i in range(nreq):
        if i == 1:
            arrive()
        body = ("t%d-r%d-" % (tid, i)).encode() * 8
        if closed_idle(conn):
            conn.close()
            c["closed_idle"] += 1
            c["failed"] += 1
            errors.append("t%d r%d: closed while idle, unannounced" %
                          (tid, i))
        if conn.sock is None:
            try:
                conn.connect()
            except (ConnectionRefusedError, FileNotFoundError) as e:
                conn.close()
                c["refused"] += 1
                if mode == "strict-stop":
                    break
                c["failed"] += 1
                errors.append("t%d r%d: connect: %r" % (tid, i, e))
                continue
        c["sent"] += 1
        t0 = time.monotonic()
        try:
            conn.request("POST", "/echo", body,
                         {"Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            data = r.read()
        except Exception as e:
            conn.close()
            c["failed"] += 1
            errors.append("t%d r%d: %r" % (tid, i, e))
            continue
        ms = int((time.monotonic() - t0) * 1000)
        c["max_ms"] = max(c["max_ms"], ms)
        if r.status == 200 and data == body:
            c["ok"] += 1
        else:
            c["failed"] += 1
            errors.append("t%d r%d: status %d body %r" %
                          (tid, i, r.status, data[:60]))
        if r.will_close:
            conn.close()
            c["reopened"] += 1
        if pause:
            time.sleep(pause)
    if nreq < 2 or i < 1:
        arrive()
    conn.close()


def worker(tid):
    c = {k: 0 for k in tot}
    if strict:
        strict_worker(tid, c)
    else:
        retrying_worker(tid, c)
    with lock:
        for k in c:
            if k == "max_ms":
                tot[k] = max(tot[k], c[k])
            else:
                tot[k] += c[k]


def retrying_worker(tid, c):
    conn = UConn()
    for i in range(nreq):
        body = ("t%d-r%d-" % (tid, i)).encode() * 8
        c["sent"] += 1
        if mode == "fresh":
            conn.close()
        elif closed_idle(conn):
            conn.close()
            c["reopened"] += 1
        for attempt in (0, 1):
            reused = conn.sock is not None
            try:
                conn.request("POST", "/echo", body,
                             {"Content-Type": "application/octet-stream"})
                r = conn.getresponse()
                data = r.read()
            except (ConnectionRefusedError, FileNotFoundError) as e:
                conn.close()
                c["refused"] += 1
                c["failed"] += 1
                errors.append("t%d r%d: connect: %r" % (tid, i, e))
                break
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                conn.close()
                if reused and attempt == 0:
                    c["retried"] += 1
                    continue
                c["failed"] += 1
                errors.append("t%d r%d: %r" % (tid, i, e))
                break
            except Exception as e:
                conn.close()
                c["failed"] += 1
                errors.append("t%d r%d: %r" % (tid, i, e))
                break
            if r.status == 200 and data == body:
                c["ok"] += 1
            else:
                c["failed"] += 1
                errors.append("t%d r%d: status %d body %r" %
                              (tid, i, r.status, data[:60]))
            if r.will_close or mode == "fresh":
                conn.close()
            break
        if pause:
            time.sleep(pause)
    conn.close()


ts = [threading.Thread(target=worker, args=(t,)) for t in range(nthreads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for e in errors[:5]:
    print("# error:", e)
print(" ".join("%s=%d" % (k, v) for k, v in tot.items()))
