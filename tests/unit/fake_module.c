// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD stand-in for blksnap.ko: answers libblksnap's ioctl()s with a
 * fixed device state, so the CLI can be run end to end on a host where the
 * module must not be loaded.  Point BLKSNAP_CONTROL at /dev/null.
 *
 * The device: 6 tracking blocks of 64 KiB, the last one only 4 KiB long,
 * generation FAKE_GENERATION at change number 5, map { 0, 3, 5, 5, 0, 4 }.
 * Attach answers EALREADY and detach ENOENT, to exercise those messages,
 * unless FAKE_MODULE_ATTACHED=no.  Snapshots, the log of requests and
 * failures on demand: see fake_module.h.  State lives for one process,
 * that is one run of the CLI.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/blksnap.h>
#include "fake_module.h"

#define MAX_SNAPSHOTS	4
#define MAX_ATTACHED	8

static const struct blksnap_uuid first_id = { { FAKE_SNAPSHOT_ID_BYTES } };
static struct blksnap_uuid snapshots[MAX_SNAPSHOTS];
static unsigned int nsnapshots, ncreated;
static struct blksnap_bdev attached[MAX_ATTACHED];
static unsigned int nattached;
static const char *events;
static bool ready;

static void setup(void)
{
	const char *n = getenv("FAKE_MODULE_SNAPSHOTS");
	unsigned int i;

	if (ready)
		return;
	ready = true;
	ncreated = n ? (unsigned int)atoi(n) : 0;
	if (ncreated > MAX_SNAPSHOTS)
		ncreated = MAX_SNAPSHOTS;
	for (i = 0; i < ncreated; i++) {
		snapshots[i] = first_id;
		snapshots[i].b[15] += i;
	}
	nsnapshots = ncreated;
	events = getenv("FAKE_MODULE_EVENTS");
}

static const char *uuid_str(const struct blksnap_uuid *id)
{
	static char s[37];
	const __u8 *b = id->b;

	snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return s;
}

/* The errno FAKE_MODULE_FAIL asks @op to fail with, or 0. */
static int injected(const char *op)
{
	const char *f = getenv("FAKE_MODULE_FAIL");
	size_t len = strlen(op);

	if (!f || strncmp(f, op, len) || f[len] != ':')
		return 0;
	return atoi(f + len + 1);
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* Log "@what = result" and return @err the way ioctl() does. */
static int answer(const char *what, int err)
{
	const char *path = getenv("FAKE_MODULE_LOG");
	FILE *f;

	if (path && (f = fopen(path, "a"))) {
		fprintf(f, "%s = %d\n", what, err ? -err : 0);
		fclose(f);
	}
	return err ? fail(err) : 0;
}

static int find_snapshot(const struct blksnap_uuid *id)
{
	unsigned int i;

	for (i = 0; i < nsnapshots; i++)
		if (!memcmp(&snapshots[i], id, sizeof(*id)))
			return i;
	return -1;
}

static void remove_snapshot(int i)
{
	snapshots[i] = snapshots[--nsnapshots];
}

static int find_attached(const struct blksnap_bdev *bdev)
{
	unsigned int i;

	for (i = 0; i < nattached; i++)
		if (attached[i].major == bdev->major &&
		    attached[i].minor == bdev->minor)
			return i;
	return -1;
}

static bool legacy_attach(void)
{
	const char *a = getenv("FAKE_MODULE_ATTACHED");

	return !a || strcmp(a, "no");
}

static int attach(const struct blksnap_filter_attach *a)
{
	char what[64];
	int err = injected("attach");

	snprintf(what, sizeof(what), "attach %u:%u", a->bdev.major, a->bdev.minor);
	if (!err && (legacy_attach() || find_attached(&a->bdev) >= 0))
		err = EALREADY;
	if (!err && nattached == MAX_ATTACHED)
		err = ENOMEM;
	if (!err)
		attached[nattached++] = a->bdev;
	return answer(what, err);
}

static int detach(const struct blksnap_filter_detach *d)
{
	int i = find_attached(&d->bdev), err = injected("detach");
	char what[64];

	snprintf(what, sizeof(what), "detach %u:%u", d->bdev.major, d->bdev.minor);
	if (!err && (legacy_attach() || i < 0))
		err = ENOENT;
	if (!err)
		attached[i] = attached[--nattached];
	return answer(what, err);
}

static int snapshot_add(const struct blksnap_filter_ctl *ctl,
			const struct blksnap_snapshotadd *add)
{
	int err = injected("add");
	char what[96];

	snprintf(what, sizeof(what), "add %u:%u %s", ctl->bdev.major,
		 ctl->bdev.minor, uuid_str(&add->id));
	if (!err && !legacy_attach() && find_attached(&ctl->bdev) < 0)
		err = ENOENT;
	if (!err && find_snapshot(&add->id) < 0)
		err = ENOENT;
	return answer(what, err);
}

static int snapshot_info(const struct blksnap_filter_ctl *ctl,
			 struct blksnap_snapshotinfo *info)
{
	int err = injected("info");
	char what[64];

	snprintf(what, sizeof(what), "info %u:%u", ctl->bdev.major,
		 ctl->bdev.minor);
	memset(info, 0, sizeof(*info));
	if (err)
		return answer(what, err);
	if (ctl->bdev.major == 7 && ctl->bdev.minor == 99) {
		info->image_major = 252;
		memcpy(info->image, FAKE_IMAGE, sizeof(FAKE_IMAGE));
	} else if (ctl->bdev.major == 7 && ctl->bdev.minor == 100) {
		info->error_code = -EIO;
		info->image_major = 252;
		info->image_minor = 1;
		memcpy(info->image, FAKE_IMAGE2, sizeof(FAKE_IMAGE2));
	} else {
		err = ENOENT;
	}
	return answer(what, err);
}

static int snapshot_create(struct blksnap_snapshot_create *c)
{
	static const char *const kinds[] = { "file", "dir", "bdev" };
	int err = injected("create");
	char what[4200];

	snprintf(what, sizeof(what), "create %s %s %llu",
		 c->storage_kind < 3 ? kinds[c->storage_kind] : "?",
		 (const char *)(uintptr_t)c->diff_storage_path,
		 (unsigned long long)c->diff_storage_limit_sect);
	if (!err && (c->storage_kind > BLKSNAP_STORAGE_BDEV || c->padding))
		err = EINVAL;
	if (!err && nsnapshots == MAX_SNAPSHOTS)
		err = ENOMEM;
	if (!err) {
		c->id = first_id;
		c->id.b[15] += ncreated++;
		snapshots[nsnapshots++] = c->id;
	}
	return answer(what, err);
}

static int snapshot_take_destroy(const char *op, const struct blksnap_uuid *id)
{
	int i = find_snapshot(id), err = injected(op);
	char what[64];

	snprintf(what, sizeof(what), "%s %s", op, uuid_str(id));
	if (!err && i < 0)
		err = ENOENT;
	if (!err && !strcmp(op, "destroy"))
		remove_snapshot(i);
	return answer(what, err);
}

static int snapshot_collect(struct blksnap_snapshot_collect *c)
{
	struct blksnap_uuid *ids = (void *)(uintptr_t)c->ids;
	unsigned int room = c->count;
	int err = injected("collect");

	if (err)
		return fail(err);
	c->count = nsnapshots;
	if (!ids)
		return 0;
	if (room < nsnapshots)
		return fail(ENODATA);
	memcpy(ids, snapshots, nsnapshots * sizeof(*ids));
	return 0;
}

/* The next word of FAKE_MODULE_EVENTS, or "destroyed" once used up. */
static const char *next_event(char *word, size_t size)
{
	size_t len;

	if (!events || !*events)
		return "destroyed";
	len = strcspn(events, ",");
	snprintf(word, size, "%.*s", (int)len, events);
	events += len + (events[len] == ',');
	return word;
}

static int wait_event(struct blksnap_snapshot_event *ev)
{
	struct blksnap_event_low_free_space low = { FAKE_LOW_SECTORS };
	struct blksnap_event_corrupted bad = { 7, 99, -EIO };
	int i = find_snapshot(&ev->id);
	const char *e;
	char word[32];

	if (i < 0)
		return fail(ENOENT);
	e = next_event(word, sizeof(word));
	if (!strcmp(e, "low_free_space")) {
		ev->code = blksnap_event_code_low_free_space;
		memcpy(ev->data, &low, sizeof(low));
	} else if (!strcmp(e, "corrupted")) {
		ev->code = blksnap_event_code_corrupted;
		memcpy(ev->data, &bad, sizeof(bad));
	} else if (!strcmp(e, "no_space")) {
		ev->code = blksnap_event_code_no_space;
		bad.err_code = -ENOSPC;
		memcpy(ev->data, &bad, sizeof(bad));
	} else if (!strcmp(e, "timeout")) {
		return fail(ENOENT);
	} else {
		remove_snapshot(i);
		return fail(ENOENT);
	}
	return 0;
}

static const uint8_t map[] = { 0, 3, 5, 5, 0, 4 };

/* Logged as "dirty MAJ:MIN SECTOR+COUNT...", the ranges as they came. */
static int cbt_dirty(const struct blksnap_filter_ctl *ctl,
		     const struct blksnap_cbtdirty *d)
{
	const struct blksnap_sectors *r = (const void *)(uintptr_t)d->dirty_sectors;
	char what[256];
	size_t len;
	__u32 i;

	len = (size_t)snprintf(what, sizeof(what), "dirty %u:%u", ctl->bdev.major,
			       ctl->bdev.minor);
	for (i = 0; i < d->count && len < sizeof(what); i++)
		len += (size_t)snprintf(what + len, sizeof(what) - len, " %llu+%llu",
					(unsigned long long)r[i].offset,
					(unsigned long long)r[i].count);
	return answer(what, 0);
}

static int filter_ctl(struct blksnap_filter_ctl *ctl)
{
	void *opt = (void *)(uintptr_t)ctl->opt;
	struct blksnap_cbtinfo info = {
		.device_capacity = FAKE_CAPACITY,
		.block_size = FAKE_BLOCK_SIZE,
		.block_count = sizeof(map),
		.generation_id = { { FAKE_GENERATION_BYTES } },
		.changes_number = FAKE_CHANGES,
	};
	struct blksnap_cbtmap *m = opt;

	switch (ctl->cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		memcpy(opt, &info, sizeof(info));
		return 0;
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		if (m->offset > sizeof(map) || m->length > sizeof(map) - m->offset)
			return fail(EINVAL);
		memcpy((void *)(uintptr_t)m->buffer, map + m->offset, m->length);
		return 0;
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
		return cbt_dirty(ctl, opt);
	case BLKFILTER_CTL_BLKSNAP_CBTSWITCH:
		return 0;
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD:
		return snapshot_add(ctl, opt);
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO:
		return snapshot_info(ctl, opt);
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE:
		/* The CLI's warning path is not what these tests are about. */
		return 0;
	}
	return fail(EINVAL);
}

int ioctl(int fd, unsigned long req, ...)
{
	static const struct blksnap_version version = { 0, 1, 0, 0 };
	int (*real_ioctl)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	setup();

	switch (req) {
	case IOCTL_BLKSNAP_VERSION:
		memcpy(arg, &version, sizeof(version));
		return 0;
	case IOCTL_BLKSNAP_FILTER_ATTACH:
		return attach(arg);
	case IOCTL_BLKSNAP_FILTER_DETACH:
		return detach(arg);
	case IOCTL_BLKSNAP_FILTER_CTL:
		return filter_ctl(arg);
	case IOCTL_BLKSNAP_SNAPSHOT_CREATE:
		return snapshot_create(arg);
	case IOCTL_BLKSNAP_SNAPSHOT_TAKE:
		return snapshot_take_destroy("take", arg);
	case IOCTL_BLKSNAP_SNAPSHOT_DESTROY:
		return snapshot_take_destroy("destroy", arg);
	case IOCTL_BLKSNAP_SNAPSHOT_COLLECT:
		return snapshot_collect(arg);
	case IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT:
		return wait_event(arg);
	}
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return real_ioctl ? real_ioctl(fd, req, arg) : fail(ENOSYS);
}
