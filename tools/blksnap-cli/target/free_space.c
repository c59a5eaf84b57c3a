// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The free space of a mounted filesystem with FS_IOC_GETFSMAP (see
 * free_space.h and ioctl_getfsmap(2)).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "free_space.h"

/* Records asked for per ioctl: 64 KiB of answer. */
#define RECORDS_PER_CALL	1024

bool free_space_record(const struct fsmap *r, uint32_t oflags, dev_t dev,
		       struct blksnap_sectors *out)
{
	uint64_t first, end;

	if (r->fmr_owner != FMR_OWN_FREE)
		return false;
	/*
	 * A dev_t encoded as in userspace (new_encode_dev()).  Without
	 * FMH_OF_DEV_T the device is a cookie, which cannot tell the data
	 * device's free space from a realtime or log section's.
	 */
	if (!(oflags & FMH_OF_DEV_T) || r->fmr_device != (uint32_t)dev)
		return false;
	if (r->fmr_physical + r->fmr_length < r->fmr_physical)
		return false;
	/* Whole sectors only: what lies partly outside is not free. */
	first = (r->fmr_physical + 511) / 512;
	end = (r->fmr_physical + r->fmr_length) / 512;
	if (end <= first)
		return false;
	out->offset = first;
	out->count = end - first;
	return true;
}

/* Appends @r to *@all (*@n of them, room for *@room); 0 or -ENOMEM. */
static int keep_range(struct blksnap_sectors **all, size_t *n, size_t *room,
		      const struct blksnap_sectors *r)
{
	if (*n == *room) {
		size_t more = *room ? *room * 2 : FREE_SPACE_BATCH;
		void *p = reallocarray(*all, more, sizeof(**all));

		if (!p)
			return -ENOMEM;
		*all = p;
		*room = more;
	}
	(*all)[(*n)++] = *r;
	return 0;
}

int free_space_read(const char *dir, dev_t dev,
		    int (*sink)(void *arg, const struct blksnap_sectors *ranges,
				size_t n),
		    void *arg, uint64_t *bytes)
{
	struct blksnap_sectors *all = NULL, r;
	struct fsmap_head *head;
	bool reverse_map = false;
	size_t n = 0, room = 0, done;
	int fd, ret = 0;
	uint32_t i;

	*bytes = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	head = calloc(1, fsmap_sizeof(RECORDS_PER_CALL));
	if (!head) {
		ret = -ENOMEM;
		goto out;
	}
	/* From the lowest key to the highest; reserved fields stay zero. */
	head->fmh_keys[1].fmr_device = UINT32_MAX;
	head->fmh_keys[1].fmr_flags = UINT32_MAX;
	head->fmh_keys[1].fmr_physical = UINT64_MAX;
	head->fmh_keys[1].fmr_owner = UINT64_MAX;
	head->fmh_keys[1].fmr_offset = UINT64_MAX;
	head->fmh_count = RECORDS_PER_CALL;
	for (;;) {
		if (ioctl(fd, FS_IOC_GETFSMAP, head) < 0) {
			ret = -errno;
			break;
		}
		for (i = 0; i < head->fmh_entries && !ret; i++) {
			/* A file's own blocks: the map is a reverse map. */
			if (!(head->fmh_recs[i].fmr_flags & FMR_OF_SPECIAL_OWNER))
				reverse_map = true;
			if (free_space_record(&head->fmh_recs[i], head->fmh_oflags,
					      dev, &r))
				ret = keep_range(&all, &n, &room, &r);
		}
		if (ret || !head->fmh_entries ||
		    (head->fmh_recs[head->fmh_entries - 1].fmr_flags & FMR_OF_LAST))
			break;
		fsmap_advance(head);
	}
	/*
	 * xfs builds its map from the reverse-mapping btree, which shows a
	 * file's blocks as a gap (free) for an instant while an extent swap
	 * (xfs_fsr, online repair) moves them: such a map cannot be trusted
	 * to call a block free.  ext4's comes from its allocation bitmaps.
	 */
	if (!ret && reverse_map)
		ret = -EOPNOTSUPP;
	for (done = 0; !ret && done < n; done += FREE_SPACE_BATCH) {
		size_t k = n - done < FREE_SPACE_BATCH ? n - done : FREE_SPACE_BATCH;

		for (i = 0; i < k; i++)
			*bytes += all[done + i].count * 512;
		ret = sink(arg, all + done, k);
	}
out:
	free(all);
	free(head);
	close(fd);
	return ret;
}
