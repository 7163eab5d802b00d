#!/usr/bin/env python3
# proxy_attack.py: hostile clients for t_proxy_attack.sh (service proxy in
# front of http_rec.py). Standard library only.
#
#   proxy_attack.py stress SOCKET SECS THREADS
# THREADS clients for SECS seconds, each connection a random mix of
# pipelined, cut, early-closed, chunked, upgraded, streamed and refused
# requests (http_rec.py's special targets), closed at a random moment.
# Clients hanging up while the upstream answers, tunnels handed over and
# pooled connections reused all land in the worker's epoll batches
# together: the use-after-free of the first review (an object freed by
# one event, its own event later in the same round) crashed the worker
# within seconds. Prints {"conns": N, "answers": K}.
#
#   proxy_attack.py slowread SOCKET RAW HOLD
# Sends RAW (Python escapes) with a 4 KiB receive buffer, reads nothing
# for HOLD seconds, then prints {"end": "closed"} if the gateway has
# closed its end by then (POLLHUP/POLLRDHUP), {"end": "open"} if not.
#
#   proxy_attack.py hold SOCKET RAW SECS
# Sends RAW, waits SECS seconds, closes without reading.
import json
import random
import select
import socket
import sys
import threading
import time

REQS = [
    b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /secret/x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /secret/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /big?300000 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /close HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /chunked HTTP/1.0\r\n\r\n",
    b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /nocontent HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /sse HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /drop HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
    b"Upgrade: tcp\r\n\r\nDATA",
    b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n" +
    b"z" * 100000,
    b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
    b"Expect: 100-continue\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhel",
    b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n" +
    b"q" * 70000,
    b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /a//b HTTP/1.1\r\nHost: a\r\n\r\n",
]


def stress(args):
    path, secs, nthr = args[0], float(args[1]), int(args[2])
    end = time.monotonic() + secs
    count = {"conns": 0, "answers": 0}
    lock = threading.Lock()

    def one(seed):
        rnd = random.Random(seed)
        while time.monotonic() < end:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                data = b"".join(rnd.choice(REQS)
                                for _ in range(rnd.randint(1, 4)))
                if rnd.random() < 0.3:
                    data = data[:rnd.randint(1, len(data))]
                step = rnd.choice([7, 100, 5000, 1 << 20])
                s.settimeout(1)
                for i in range(0, len(data), step):
                    s.sendall(data[i:i + step])
                mode = rnd.random()
                got = b""
                if mode < 0.2:
                    s.shutdown(socket.SHUT_WR)
                if mode < 0.5:
                    s.settimeout(rnd.choice([0.01, 0.1, 0.5]))
                    stop = min(end, time.monotonic() + 1)
                    try:
                        while time.monotonic() < stop:
                            d = s.recv(rnd.choice([10, 65536]))
                            if not d:
                                break
                            if len(got) < 64:
                                got += d
                    except OSError:
                        pass
                elif mode < 0.7:
                    time.sleep(rnd.choice([0, 0.05, 0.3]))
                s.close()
                with lock:
                    count["conns"] += 1
                    if got.startswith(b"HTTP/1."):
                        count["answers"] += 1
            except OSError:
                pass
    ts = [threading.Thread(target=one, args=(i,)) for i in range(nthr)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(count))


def raw(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def slowread(args):
    path, data, hold = args[0], raw(args[1]), float(args[2])
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(data)
    time.sleep(hold)
    # Has the gateway closed its end? (Reading now would let it flush
    # and close anyway: that proves nothing.)
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLRDHUP)
    ev = p.poll(0)
    hup = bool(ev and ev[0][1] & (select.POLLHUP | select.POLLRDHUP))
    print(json.dumps({"end": "closed" if hup else "open"}))


def hold(args):
    s = socket.socket(socket.AF_UNIX)
    s.connect(args[0])
    s.sendall(raw(args[1]))
    time.sleep(float(args[2]))
    s.close()


def main():
    cmd = {"stress": stress, "slowread": slowread, "hold": hold}
    if len(sys.argv) < 2 or sys.argv[1] not in cmd:
        sys.exit("usage: proxy_attack.py stress|slowread|hold ...")
    cmd[sys.argv[1]](sys.argv[2:])


main()
