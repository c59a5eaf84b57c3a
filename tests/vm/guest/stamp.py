# SPDX-License-Identifier: GPL-2.0
"""Sector stamps for point-in-time checks.

Every 512-byte sector gets: magic, its byte offset on the device, a
generation number, a tag, and a CRC32 of all that.  A snapshot image must
show every sector with the stamp it had at take time.

  stamp.py fill DEVICE GENERATION [TAG]
      stamp the whole device (O_DIRECT, 1 MiB at a time)
  stamp.py verify DEVICE GENERATION [TAG]
      count sectors whose content is not that stamp; exit 1 if any
  stamp.py read DEVICE OFFSET
      print the generation and tag stamped at OFFSET (or "none")
  stamp.py origin DEVICE GENERATION TAG KIND:FILE...
      after writers: every sector of DEVICE a FILE of KIND "changed" names
      must hold something other than its stamp (the write reached the
      device), every sector no FILE names must hold its stamp (no write
      landed elsewhere), sectors of KIND "maybe" are not checked; a later
      FILE wins over an earlier one.  A FILE holds "OFFSET LENGTH" lines
      in bytes, or is a fio write_iolog (its writes); exit 1 on a mismatch
"""
import mmap
import os
import struct
import sys
import zlib

SECTOR = 512
BLOCK = 1 << 20
MAGIC = b"BLKSNAP\0"
HEAD = struct.Struct("<8sQQ16s")


def stamp(offset, gen, tag):
    head = HEAD.pack(MAGIC, offset, gen, tag.encode()[:16].ljust(16, b"\0"))
    body = head + b"\xa5" * (SECTOR - HEAD.size - 4)
    return body + struct.pack("<I", zlib.crc32(body))


def block(offset, gen, tag, length):
    return b"".join(stamp(offset + i, gen, tag) for i in range(0, length, SECTOR))


def size_of(fd):
    return os.lseek(fd, 0, os.SEEK_END)


def fill(dev, gen, tag):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BLOCK)
    size = size_of(fd)
    for off in range(0, size, BLOCK):
        n = min(BLOCK, size - off)
        buf[:n] = block(off, gen, tag, n)
        os.pwritev(fd, [memoryview(buf)[:n]], off)
    os.fsync(fd)
    os.close(fd)
    print(f"stamped {size} bytes of {dev} with generation {gen}")


def verify(dev, gen, tag):
    fd = os.open(dev, os.O_RDONLY)
    size = size_of(fd)
    bad, first = 0, None
    for off in range(0, size, BLOCK):
        n = min(BLOCK, size - off)
        got = os.pread(fd, n, off)
        want = block(off, gen, tag, n)
        if got != want:
            for i in range(0, n, SECTOR):
                if got[i:i + SECTOR] != want[i:i + SECTOR]:
                    bad += 1
                    if first is None:
                        first = off + i
    os.close(fd)
    print(f"{dev}: {size // SECTOR} sectors checked, {bad} differ from "
          f"generation {gen}" + (f" (first at byte {first})" if bad else ""))
    return 1 if bad else 0


def read(dev, offset):
    fd = os.open(dev, os.O_RDONLY)
    data = os.pread(fd, SECTOR, offset)
    os.close(fd)
    magic, off, gen, tag = HEAD.unpack(data[:HEAD.size])
    ok = magic == MAGIC and off == offset and \
        struct.unpack("<I", data[-4:])[0] == zlib.crc32(data[:-4])
    print(f"{gen} {tag.rstrip(bytes(1)).decode()}" if ok else "none")


def ranges_of(path):
    """(offset, length) of each write in a fio iolog or an OFFSET LENGTH list."""
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                out.append((int(parts[0]), int(parts[1])))
                continue
            # fio iolog version 2: FILE ACTION OFFSET LENGTH; 3 puts a
            # timestamp first
            if len(parts) == 5:
                parts = parts[1:]
            if len(parts) == 4 and parts[1] == "write":
                out.append((int(parts[2]), int(parts[3])))
    return out


def origin(dev, gen, tag, specs):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    size = size_of(fd)
    nsect = size // SECTOR
    # 0: untouched, must hold its stamp; 1: changed, must not; 2: not checked
    state = bytearray(nsect)
    for spec in specs:
        kind, path = spec.split(":", 1)
        value = {"changed": 1, "maybe": 2}[kind]
        ranges = ranges_of(path)
        print(f"{path}: {len(ranges)} ranges {kind}")
        for off, length in ranges:
            a, b = off // SECTOR, min(nsect, (off + length + SECTOR - 1) // SECTOR)
            if b > a:
                state[a:b] = bytes([value]) * (b - a)
    buf = mmap.mmap(-1, BLOCK)
    count = [0, 0, 0]
    bad = [0, 0]
    first = [None, None]
    for off in range(0, size, BLOCK):
        n = min(BLOCK, size - off)
        got = memoryview(buf)[:os.preadv(fd, [memoryview(buf)[:n]], off)]
        want = block(off, gen, tag, n)
        for i in range(0, n, SECTOR):
            st = state[(off + i) // SECTOR]
            count[st] += 1
            if st == 2:
                continue
            same = got[i:i + SECTOR] == want[i:i + SECTOR]
            if (st == 0 and not same) or (st == 1 and same):
                bad[st] += 1
                if first[st] is None:
                    first[st] = off + i
    os.close(fd)
    print(f"{dev}: {count[0]} untouched sectors, {bad[0]} of them not as stamped"
          + (f" (first at byte {first[0]})" if bad[0] else ""))
    print(f"{dev}: {count[1]} written sectors, {bad[1]} of them still as stamped"
          + (f" (first at byte {first[1]})" if bad[1] else "")
          + f"; {count[2]} sectors not checked")
    return 1 if bad[0] or bad[1] or not count[1] else 0


def main():
    cmd, dev = sys.argv[1], sys.argv[2]
    if cmd == "fill":
        fill(dev, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
        return 0
    if cmd == "verify":
        return verify(dev, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
    if cmd == "origin":
        return origin(dev, int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    if cmd == "read":
        read(dev, int(sys.argv[3]))
        return 0
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main())
