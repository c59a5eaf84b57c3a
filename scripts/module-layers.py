#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fails if the module's files call each other in a circle.

Usage: module-layers.py BUILD_DIR   (a module/ tree built by Kbuild)

X uses Y when X.o has an undefined symbol that Y.o defines (nm): a call,
or a use of a variable, across files, whichever header declared it.  The
module must read top-down (issue 18): main, ctl and blksnap_filter above
snapshot, above tracker and diff_area, above the filter registry; so the
"uses" graph must have no cycle.  Prints each cycle as X -> Y -> ... -> X
and exits 1; 0 if there is none.  blksnap.mod.o (modpost's) is left out.
"""
import os
import subprocess
import sys

build = sys.argv[1]
objects = sorted(n for n in os.listdir(build)
                 if n.endswith(".o") and n != "blksnap.o" and not n.endswith(".mod.o"))
if len(objects) < 2:
    sys.exit("module-layers: no objects in " + build)
defined = {}
undefined = {}
for obj in objects:
    unit = obj[:-2]
    out = subprocess.run(["nm", os.path.join(build, obj)], check=True,
                         capture_output=True, text=True).stdout
    undefined[unit] = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == "U":
            undefined[unit].add(fields[1])
        elif len(fields) == 3 and fields[1] in "TDBR":
            defined[fields[2]] = unit
uses = {u: sorted({defined[s] for s in syms if s in defined and defined[s] != u})
        for u, syms in undefined.items()}

cycles = set()


def walk(unit, path):
    for used in uses[unit]:
        if used in path:
            ring = path[path.index(used):]
            first = ring.index(min(ring))
            cycles.add(tuple(ring[first:] + ring[:first]))
        else:
            walk(used, path + [used])


for unit in uses:
    walk(unit, [unit])
for ring in sorted(cycles):
    print("module-layers: " + " -> ".join(ring + (ring[0],)))
sys.exit(1 if cycles else 0)
