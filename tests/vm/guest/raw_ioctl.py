# SPDX-License-Identifier: GPL-2.0
"""Issues one raw ioctl on /dev/blksnap-control and prints OK or the errno
name, so VM cases can check the module's answers below the library."""
import errno
import fcntl
import os
import struct
import sys

IOC_WRITE, IOC_READ = 1, 2


def ioc(direction, nr, size, kind=ord("V")):
    return (direction << 30) | (size << 16) | (kind << 8) | nr


REQUESTS = {
    # _IOR('V', 0, struct blksnap_version): four __u16
    "version": (ioc(IOC_READ, 0, 8), bytearray(8)),
    "wrong-size-version": (ioc(IOC_READ, 0, 16), bytearray(16)),
    "unknown": (ioc(IOC_READ | IOC_WRITE, 200, 8), bytearray(8)),
    # _IOWR('V', 4, struct blksnap_snapshot_collect): count only (ids 0)
    "snapshot-collect": (ioc(IOC_READ | IOC_WRITE, 4, 16), bytearray(16)),
}


def main():
    req, buf = REQUESTS[sys.argv[1]]
    fd = os.open("/dev/blksnap-control", os.O_RDWR)
    try:
        fcntl.ioctl(fd, req, buf)
    except OSError as e:
        # errorcode maps 95 to the alias ENOTSUP; the kernel says EOPNOTSUPP.
        names = {errno.EOPNOTSUPP: "EOPNOTSUPP"}
        print(names.get(e.errno, errno.errorcode[e.errno]))
        return
    finally:
        os.close(fd)
    if sys.argv[1] == "version":
        assert struct.unpack("<4H", buf)[:2] == (0, 1), buf
    print("OK")


main()
