#!/usr/bin/env python3
# memsearch.py: search a live process's memory for byte strings, as root.
#
#   python3 memsearch.py PID NAME=HEX [NAME=HEX...]
#
# Reads every readable mapping of PID through /proc/PID/maps and
# /proc/PID/mem (needs ptrace access: root, or the same uid and a dumpable
# process) and prints one line per needle:  NAME found N  |  NAME absent.
# Mappings the kernel will not let us read ([vvar], device memory) are
# skipped and counted on a last line: "# regions R read, S skipped".
# Exit status 2 if nothing at all could be read (the search proves
# nothing then), else 0.
import sys

CHUNK = 8 << 20


def regions(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5] if len(parts) > 5 else ""
            if parts[1][0] == "r" and name not in ("[vvar]", "[vsyscall]",
                                                   "[vvar_vclock]"):
                yield lo, hi


def main():
    pid = int(sys.argv[1])
    needles = []
    for arg in sys.argv[2:]:
        name, _, hexval = arg.partition("=")
        needles.append((name, bytes.fromhex(hexval)))
    counts = dict((n, 0) for n, _ in needles)
    overlap = max(len(b) for _, b in needles) - 1
    nread = nskip = 0
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for lo, hi in regions(pid):
            try:
                pos, tail = lo, b""
                while pos < hi:
                    mem.seek(pos)
                    data = mem.read(min(CHUNK, hi - pos))
                    if not data:
                        break
                    buf = tail + data
                    for name, b in needles:
                        counts[name] += buf.count(b)
                    tail = buf[-overlap:] if overlap > 0 else b""
                    pos += len(data)
                nread += 1
            except OSError:
                nskip += 1
    for name, _ in needles:
        if counts[name]:
            print("%s found %d" % (name, counts[name]))
        else:
            print("%s absent" % name)
    print("# regions %d read, %d skipped" % (nread, nskip))
    return 0 if nread > 0 else 2


if __name__ == "__main__":
    sys.exit(main())
