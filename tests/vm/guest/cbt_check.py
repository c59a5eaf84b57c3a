# SPDX-License-Identifier: GPL-2.0
"""Compares a `blksnap cbt map --json` result with the writes a case made.

  cbt_check.py exact BLOCK_SIZE MAP_JSON OFFSET:LENGTH...
      the map's ranges must be exactly the blocks the byte ranges touch
  cbt_check.py covers BLOCK_SIZE MAP_JSON FIO_IOLOG
      every write in a fio iolog (version 2 or 3) must lie in the map
Prints what it compared; exits 1 on a mismatch.
"""
import json
import sys


def blocks_of(ranges, bs):
    blocks = set()
    for off, length in ranges:
        if length:
            blocks.update(range(off // bs, (off + length - 1) // bs + 1))
    return blocks


def map_blocks(path, bs):
    with open(path) as f:
        ranges = json.load(f)["ranges"]
    for r in ranges:
        if r["offset"] % bs or r["length"] % bs:
            sys.exit(f"map range {r} is not block aligned ({bs})")
    return blocks_of([(r["offset"], r["length"]) for r in ranges], bs), len(ranges)


def show(blocks, bs, limit=12):
    b = sorted(blocks)
    text = ", ".join(f"{x}@{x * bs}" for x in b[:limit])
    return text + (f", ... ({len(b)} in all)" if len(b) > limit else "")


def exact(bs, map_json, specs):
    touched = [tuple(int(v) for v in s.split(":")) for s in specs]
    want = blocks_of(touched, bs)
    got, nranges = map_blocks(map_json, bs)
    print(f"expected {len(want)} blocks, map has {len(got)} blocks in {nranges} ranges")
    missing, extra = want - got, got - want
    if missing:
        print("missing blocks (index@byte):", show(missing, bs))
    if extra:
        print("extra blocks (index@byte):", show(extra, bs))
    return 1 if missing or extra else 0


def covers(bs, map_json, iolog):
    writes = []
    with open(iolog) as f:
        for line in f:
            # version 2: FILE ACTION OFFSET LENGTH; version 3 puts a
            # timestamp first
            parts = line.split()
            if len(parts) == 5:
                parts = parts[1:]
            if len(parts) == 4 and parts[1] == "write":
                writes.append((int(parts[2]), int(parts[3])))
    want = blocks_of(writes, bs)
    got, nranges = map_blocks(map_json, bs)
    missing = want - got
    print(f"{len(writes)} writes touched {len(want)} blocks; map has {len(got)} "
          f"blocks in {nranges} ranges; {len(missing)} missing, "
          f"{len(got - want)} beyond the log")
    if missing:
        print("missing blocks (index@byte):", show(missing, bs))
    return 1 if missing or not writes else 0


def main():
    mode, bs, map_json = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "exact":
        return exact(bs, map_json, sys.argv[4:])
    if mode == "covers":
        return covers(bs, map_json, sys.argv[4])
    sys.exit(f"unknown mode {mode}")


sys.exit(main())
