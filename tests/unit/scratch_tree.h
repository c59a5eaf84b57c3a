/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scratch directories the unit tests build (fake sysfs, storage, ...). */
#ifndef BLKSNAP_TEST_SCRATCH_TREE_H
#define BLKSNAP_TEST_SCRATCH_TREE_H

/* Removes @dir and everything below it, symlinks not followed; 0 or -1. */
int scratch_tree_remove(const char *dir);

#endif
