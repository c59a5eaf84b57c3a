#!/usr/bin/env python3
"""One atomic write (pwritev2 RWF_ATOMIC, O_DIRECT), for tests/vm cases.

usage: atomic_write.py DEVICE OFFSET LENGTH DATAFILE
Writes LENGTH bytes of DATAFILE at byte OFFSET of DEVICE as one atomic
write and prints "wrote N", or "error ENAME" when the kernel refuses it
(exit 0 either way: the case judges the answer).
"""
import errno
import mmap
import os
import sys

# include/uapi/linux/fs.h (6.11+); Python 3.11's os module lacks it.
RWF_ATOMIC = 0x40

dev, off, length, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
buf = mmap.mmap(-1, length)  # page-aligned, as O_DIRECT wants
with open(data, "rb") as f:
    buf.write(f.read(length))
fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
try:
    print(f"wrote {os.pwritev(fd, [buf], off, RWF_ATOMIC)}")
except OSError as e:
    print(f"error {errno.errorcode.get(e.errno, e.errno)}")
finally:
    os.close(fd)
