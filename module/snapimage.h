/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot image: a block device showing its origin as it was at
 * take(), named after it ("blksnap-vda1").  Reads come from the difference
 * storage for copied chunks and from the origin for the rest; writes land
 * in the storage.  Requests are served by a worker, since they sleep.
 */
#ifndef __BLKSNAP_SNAPIMAGE_H
#define __BLKSNAP_SNAPIMAGE_H

#include <linux/types.h>

struct diff_area;
struct snapimage;

int snapimage_init(void);
void snapimage_done(void);

/* Holds a reference on @da until destroyed. */
struct snapimage *snapimage_create(struct diff_area *da);
/* -EBUSY while the image is open; then nothing is changed. */
int snapimage_destroy(struct snapimage *img);
dev_t snapimage_dev(struct snapimage *img);
const char *snapimage_name(struct snapimage *img);

#endif /* __BLKSNAP_SNAPIMAGE_H */
