# SPDX-License-Identifier: GPL-2.0
"""Issues one raw ioctl on /dev/blksnap-control and prints OK or the errno
name, so VM cases can check the module's answers below the library.

  raw_ioctl.py REQUEST
  raw_ioctl.py snapshot-create KIND PATH LIMIT_SECTORS
      KIND: file, dir or bdev; a snapshot that was created is destroyed
      again at once (the answer is what counts)
  raw_ioctl.py snapshot-create-keep KIND PATH LIMIT_SECTORS
      the same, but the snapshot stays, with no device: its id is printed
  raw_ioctl.py cbtmap-mmap DEVICE FILE
      reads the first CBT map entry of DEVICE into FILE mapped MAP_SHARED
      (a write fault there waits while FILE's filesystem is frozen)
  raw_ioctl.py cbt-switch DEVICE COUNT
      switches DEVICE's change map COUNT times (what a take's switch does,
      without a snapshot), from one process: the CLI would start COUNT
  raw_ioctl.py cbt-dirty DEVICE SECTOR COUNT PADDING
      marks COUNT sectors from SECTOR changed (CBTDIRTY), with PADDING in
      the structure's padding field (the UAPI says zero)"""
import ctypes
import errno
import fcntl
import mmap
import os
import struct
import sys
import uuid

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


STORAGE_KINDS = {"file": 0, "dir": 1, "bdev": 2}


def snapshot_create(fd, kind, path, limit, keep=False):
    # struct blksnap_snapshot_create: limit, path pointer, kind, padding, id
    cpath = ctypes.create_string_buffer(path.encode())
    buf = bytearray(struct.pack("<QQII16s", int(limit), ctypes.addressof(cpath),
                                STORAGE_KINDS[kind], 0, bytes(16)))
    fcntl.ioctl(fd, ioc(IOC_READ | IOC_WRITE, 1, len(buf)), buf)
    if keep:
        return str(uuid.UUID(bytes=bytes(buf[24:40])))
    # Created: destroy it again (_IOW('V', 2, struct blksnap_uuid)).
    fcntl.ioctl(fd, ioc(IOC_WRITE, 2, 16), bytes(buf[24:40]))
    return "OK"


def cbtmap_mmap(fd, device, path):
    # struct blksnap_cbtmap: offset, length, buffer pointer
    rdev = os.stat(device).st_rdev
    f = os.open(path, os.O_RDWR)
    m = mmap.mmap(f, os.fstat(f).st_size, mmap.MAP_SHARED,
                  mmap.PROT_READ | mmap.PROT_WRITE)
    target = ctypes.c_char.from_buffer(m)
    arg = ctypes.create_string_buffer(
        struct.pack("<IIQ", 0, 1, ctypes.addressof(target)), 16)
    # struct blksnap_filter_ctl: bdev, name[32], cmd (1: CBTMAP), optlen, opt
    ctl = bytearray(struct.pack("<II32sIIQ", os.major(rdev), os.minor(rdev),
                                b"blksnap", 1, 16, ctypes.addressof(arg)))
    try:
        fcntl.ioctl(fd, ioc(IOC_READ | IOC_WRITE, 66, len(ctl)), ctl)
    finally:
        del target
        m.close()
        os.close(f)
    return "OK"


def cbt_switch(fd, device, count):
    rdev = os.stat(device).st_rdev
    # struct blksnap_filter_ctl: bdev, name[32], cmd (5: CBTSWITCH), no opt
    ctl = bytearray(struct.pack("<II32sIIQ", os.major(rdev), os.minor(rdev),
                                b"blksnap", 5, 0, 0))
    for _ in range(int(count)):
        fcntl.ioctl(fd, ioc(IOC_READ | IOC_WRITE, 66, len(ctl)), ctl)
    return "OK"


def cbt_dirty(fd, device, sector, count, padding):
    rdev = os.stat(device).st_rdev
    # struct blksnap_sectors: offset, count; struct blksnap_cbtdirty:
    # count, padding, pointer to the ranges
    ranges = ctypes.create_string_buffer(struct.pack("<QQ", int(sector), int(count)), 16)
    arg = ctypes.create_string_buffer(
        struct.pack("<IIQ", 1, int(padding), ctypes.addressof(ranges)), 16)
    # struct blksnap_filter_ctl: bdev, name[32], cmd (2: CBTDIRTY), optlen, opt
    ctl = bytearray(struct.pack("<II32sIIQ", os.major(rdev), os.minor(rdev),
                                b"blksnap", 2, 16, ctypes.addressof(arg)))
    fcntl.ioctl(fd, ioc(IOC_READ | IOC_WRITE, 66, len(ctl)), ctl)
    return "OK"


def with_control(fn, *args, **kwargs):
    """Prints what fn(control fd, ...) returns, or the errno name."""
    fd = os.open("/dev/blksnap-control", os.O_RDWR)
    try:
        print(fn(fd, *args, **kwargs))
    except OSError as e:
        print(errno.errorcode[e.errno])
    finally:
        os.close(fd)


def main():
    if sys.argv[1] == "cbt-switch":
        with_control(cbt_switch, *sys.argv[2:4])
        return
    if sys.argv[1] == "cbt-dirty":
        with_control(cbt_dirty, *sys.argv[2:6])
        return
    if sys.argv[1] == "cbtmap-mmap":
        with_control(cbtmap_mmap, *sys.argv[2:4])
        return
    if sys.argv[1] in ("snapshot-create", "snapshot-create-keep"):
        with_control(snapshot_create, *sys.argv[2:5],
                     keep=sys.argv[1].endswith("keep"))
        return
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
