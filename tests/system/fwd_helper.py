#!/usr/bin/env python3
# fwd_helper.py: small upstreams and clients for t_forward.sh. Each mode
# is bounded (socket timeouts) and exits non-zero on a failed check.
import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 60


def unix_listener(path, backlog=128):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(backlog)
    return s


def connect(path):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(TIMEOUT)
    c.connect(path)
    return c


def read_all(c):
    chunks = []
    while True:
        d = c.recv(65536)
        if not d:
            return b''.join(chunks)
        chunks.append(d)


def ready(path):
    # Tell the test we listen: a file next to the socket.
    with open(path + '.ready', 'w') as f:
        f.write(str(os.getpid()))


# Upstream: say "hello", shut down writing, then read to EOF and record
# how many bytes came (the peer's side of a half-close the other way).
def up_halfclose(path, out):
    s = unix_listener(path)
    ready(path)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    c.sendall(b'hello')
    c.shutdown(socket.SHUT_WR)
    n = len(read_all(c))
    with open(out, 'w') as f:
        f.write(str(n))
    c.close()


# Client of up_halfclose: read to EOF first (the upstream's half-close
# must arrive), then send n bytes and shut down writing.
def cl_halfclose(sock, n):
    c = connect(sock)
    got = read_all(c)
    if got != b'hello':
        print('got %r' % got)
        return 1
    c.sendall(b'x' * int(n))
    c.shutdown(socket.SHUT_WR)
    rest = read_all(c)
    return 0 if rest == b'' else 1


# Upstream that reads a little, then dies with bytes unread (a reset).
def up_dies(path):
    s = unix_listener(path)
    ready(path)
    c, _ = s.accept()
    c.recv(1000)
    os._exit(0)


# Upstream that listens with a tiny backlog and never accepts; the
# backlog is filled by the helper itself so that connects must wait.
def up_noaccept(path):
    s = unix_listener(path, backlog=0)
    fill = []
    for _ in range(8):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(path)
            fill.append(c)
        except (BlockingIOError, OSError):
            c.close()
            break
    ready(path)
    time.sleep(TIMEOUT)


# Upstream that sends n bytes to whoever connects, then closes.
def up_source(path, n):
    s = unix_listener(path)
    ready(path)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    block = b'y' * 65536
    left = int(n)
    while left > 0:
        k = min(left, len(block))
        c.sendall(block[:k])
        left -= k
    c.close()


# PROXY v2 upstream: decode the header of each connection, record the
# uid TLV (0xE1), echo the rest back.
def up_proxy(path, out):
    s = unix_listener(path)
    ready(path)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    buf = b''
    while len(buf) < 16:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    sig = b'\r\n\r\n\x00\r\nQUIT\n'
    if buf[:12] != sig or buf[12] != 0x21 or buf[13] != 0x31:
        with open(out, 'w') as f:
            f.write('bad header %r' % buf[:16])
        return 1
    ln = struct.unpack('>H', buf[14:16])[0]
    while len(buf) < 16 + ln:
        buf += c.recv(4096)
    tlvs = buf[16 + 216:16 + ln]
    vals = {}
    i = 0
    while i + 3 <= len(tlvs):
        t, l = tlvs[i], struct.unpack('>H', tlvs[i + 1:i + 3])[0]
        vals[t] = tlvs[i + 3:i + 3 + l]
        i += 3 + l
    uid = struct.unpack('>I', vals[0xE1])[0]
    pid = struct.unpack('>I', vals[0xE0])[0]
    dst = buf[16 + 108:16 + 216].rstrip(b'\0').decode()
    rest = buf[16 + ln:]
    with open(out, 'w') as f:
        f.write('uid=%d pid=%d dst=%s' % (uid, pid, dst))
    c.sendall(rest)
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
    return 0


# n clients at once, each sends a line and reads it back (echo upstream).
def cl_many(sock, n):
    n = int(n)
    conns = []
    for i in range(n):
        conns.append(connect(sock))
    for i, c in enumerate(conns):
        c.sendall(b'line %d\n' % i)
    bad = 0
    for i, c in enumerate(conns):
        want = b'line %d\n' % i
        got = b''
        while len(got) < len(want):
            d = c.recv(100)
            if not d:
                break
            got += d
        if got != want:
            bad += 1
    for c in conns:
        c.close()
    print('%d/%d ok' % (n - bad, n))
    return 1 if bad else 0


# Clients one after another for secs seconds, in threads; count them.
# A failed connection is fine (the connector may be down a moment);
# a hang is not (the socket timeout turns it into an error we count).
def cl_load(sock, secs, threads):
    end = time.time() + float(secs)
    res = {'ok': 0, 'fail': 0, 'hang': 0}
    lock = threading.Lock()

    def run():
        while time.time() < end:
            try:
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.settimeout(20)
                c.connect(sock)
                c.sendall(b'ping\n')
                got = c.recv(100)
                c.close()
                k = 'ok' if got == b'ping\n' else 'fail'
            except socket.timeout:
                k = 'hang'
            except OSError:
                k = 'fail'
            with lock:
                res[k] += 1

    ts = [threading.Thread(target=run) for _ in range(int(threads))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print('ok=%(ok)d fail=%(fail)d hang=%(hang)d' % res)
    return 1 if res['hang'] or res['ok'] == 0 else 0


# A slow reader: connect, read nothing for secs, then drain; print bytes.
def cl_slow(sock, secs, pidfile_out):
    c = connect(sock)
    with open(pidfile_out, 'w') as f:
        f.write('connected')
    time.sleep(float(secs))
    n = len(read_all(c))
    print(n)
    return 0


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    f = {
        'up-halfclose': up_halfclose, 'cl-halfclose': cl_halfclose,
        'up-dies': up_dies, 'up-noaccept': up_noaccept,
        'up-source': up_source, 'up-proxy': up_proxy,
        'cl-many': cl_many, 'cl-load': cl_load, 'cl-slow': cl_slow,
    }[mode]
    sys.exit(f(*args) or 0)


if __name__ == '__main__':
    main()
