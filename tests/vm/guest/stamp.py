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


def main():
    cmd, dev = sys.argv[1], sys.argv[2]
    if cmd == "fill":
        fill(dev, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
        return 0
    if cmd == "verify":
        return verify(dev, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
    if cmd == "read":
        read(dev, int(sys.argv[3]))
        return 0
    sys.exit(f"unknown command {cmd}")


sys.exit(main())
