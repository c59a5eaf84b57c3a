# SPDX-License-Identifier: GPL-2.0
"""Tries to change a pinned difference storage file through its handle.

  pin_check.py MOUNT_POINT INODE GENERATION

The storage of a snapshot on its own filesystem has no name; root can still
reach an open inode by handle (open_by_handle_at, FILEID_INO32_GEN, which
ext4 and xfs both decode).  Every way to change its blocks must be refused
while the snapshot lives: write, fallocate, truncate, a link back into the
tree, a reflink clone of its blocks, and ext4's move of its extents (what
e4defrag does; xfs has no such ioctl and refuses it too).  Prints one line per attempt; exits
1 if any succeeded, 2 if the handle could not be opened at all.
"""
import ctypes
import errno
import fcntl
import os
import struct
import sys

FILEID_INO32_GEN = 1
AT_EMPTY_PATH = 0x1000
AT_FDCWD = -100
FICLONE = 0x40049409
# _IOWR('f', 15, struct move_extent), 40 bytes
EXT4_IOC_MOVE_EXT = (3 << 30) | (40 << 16) | (ord("f") << 8) | 15

libc = ctypes.CDLL(None, use_errno=True)


def open_by_handle(mount_fd, ino, gen, flags):
    payload = struct.pack("=II", ino, gen)
    buf = struct.pack("=Ii", len(payload), FILEID_INO32_GEN) + payload
    fd = libc.open_by_handle_at(mount_fd, ctypes.c_char_p(buf), flags)
    if fd < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return fd


def link_by_fd(fd, path):
    if libc.linkat(fd, b"", AT_FDCWD, path.encode(), AT_EMPTY_PATH) < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def move_extents(fd, donor):
    arg = struct.pack("=IIQQQQ", 0, donor, 0, 0, 16, 0)
    fcntl.ioctl(fd, EXT4_IOC_MOVE_EXT, arg)


def attempt(name, fn):
    try:
        fn()
    except OSError as e:
        print(f"refused: {name}: {errno.errorcode.get(e.errno, e.errno)}")
        return True
    print(f"ALLOWED: {name}")
    return False


def main():
    mnt, ino, gen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    mount_fd = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = open_by_handle(mount_fd, ino, gen, os.O_RDWR)
    except OSError as e:
        print(f"cannot open inode {ino} by handle: {e}")
        return 2
    print(f"opened inode {ino} by handle, size {os.fstat(fd).st_size}")
    target = os.path.join(mnt, "pin-check-clone")
    clone = os.open(target, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.pwrite(clone, b"y" * 65536, 0)
    os.fsync(clone)
    good = all([
        attempt("write", lambda: os.pwrite(fd, b"x" * 4096, 0)),
        attempt("fallocate", lambda: os.posix_fallocate(fd, 0, 1 << 30)),
        attempt("truncate", lambda: os.ftruncate(fd, 0)),
        attempt("link", lambda: link_by_fd(fd, os.path.join(mnt, "pin-check-link"))),
        attempt("reflink clone", lambda: fcntl.ioctl(clone, FICLONE, fd)),
        attempt("move extents", lambda: move_extents(fd, clone)),
    ])
    os.close(clone)
    os.unlink(target)
    os.close(fd)
    return 0 if good else 1


sys.exit(main())
