#!/usr/bin/env python3
# http_raw.py: send raw bytes to an AF_UNIX HTTP server, parse what comes back.
#
#   python3 http_raw.py [-t SECS] [-n] [-b] [-s SPLIT] SOCKET REQUEST...
#
# Each REQUEST argument is written with Python escapes (\r \n \t \x00 ...)
# and is sent in its own sendall(); -s N sleeps N seconds between them.
# The write side stays open (no shutdown), so "closed" really means the
# server closed. Reads until EOF (or -t SECS of silence, default 3).
# Responses are parsed with their framing (Content-Length; 1xx have no
# body; -n: no final response has a body, for HEAD), so bytes inside a
# body are never mistaken for a status line.
#
# Prints one summary line:  STATUS[,STATUS...];END[;junk=N]
#   END is "eof" (server closed), "reset" (ECONNRESET after the data),
#   or "open" (no EOF within the timeout).
# With -b, then one line per response: its body, as repr() of the bytes.
import socket
import sys
import time


def parse(data, nobody):
    out = []
    i = 0
    while True:
        e = data.find(b"\r\n\r\n", i)
        if e < 0:
            break
        head = data[i:e].split(b"\r\n")
        parts = head[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            break
        st = int(parts[1])
        cl = 0
        for h in head[1:]:
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                cl = int(v.strip())
        b = e + 4
        if st < 200 or nobody:
            cl = 0
        if b + cl > len(data):
            break
        out.append((st, data[b:b + cl]))
        i = b + cl
    return out, len(data) - i


def main():
    args = sys.argv[1:]
    tmo, nobody, bodies, split = 3.0, False, False, 0.0
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-t":
            tmo = float(args.pop(0))
        elif a == "-n":
            nobody = True
        elif a == "-b":
            bodies = True
        elif a == "-s":
            split = float(args.pop(0))
        else:
            sys.exit("usage: http_raw.py [-t S] [-n] [-b] [-s S] SOCK REQ...")
    path, reqs = args[0], args[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(tmo)
    s.connect(path)
    for k, r in enumerate(reqs):
        raw = r.encode("latin-1").decode("unicode_escape").encode("latin-1")
        if k and split:
            time.sleep(split)
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            break
    data = b""
    end = "open"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            end = "reset"
            break
        if not d:
            end = "eof"
            break
        data += d
    s.close()
    resp, junk = parse(data, nobody)
    line = ",".join(str(st) for st, _ in resp) or "none"
    line += ";" + end
    if junk:
        line += ";junk=%d" % junk
    print(line)
    if bodies:
        for _, b in resp:
            print(repr(b))


main()
