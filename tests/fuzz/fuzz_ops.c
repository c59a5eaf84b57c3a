// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Argument makers for each request of module/include/uapi/linux/blksnap.h,
 * with the module's limits (module/ctl.c, blksnap_filter.c, tracker.c,
 * snapshot.c): names are 32 bytes with a NUL, majors up to 4095 and minors
 * up to 2^20 - 1, a CBTMAP window up to 16 MiB, up to 4096 ranges per
 * CBTDIRTY and SNAPSHOTFREE, paths up to PATH_MAX.
 *
 * Each call is marked "must fail" when its arguments cannot be valid (a
 * pointer the kernel cannot read, a field the module checks out of range,
 * an output it cannot write); one of those that succeeds is counted and
 * reported as an unexpected success.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/blksnap.h>
#include "fuzz_ops.h"

/* The module's limits, as in its sources. */
#define MAJOR_MAX		4095U
#define MINOR_MAX		0xfffffU
#define CBTMAP_WINDOW_MAX	(16U << 20)
#define RANGES_MAX		4096U
#define PATH_MAX_KERNEL		4096U

/* Arguments that are bad pointers, in percent of calls. */
#define BAD_ARG_PERCENT		10
#define BAD_PAYLOAD_PERCENT	12

static void describe(struct fuzz_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void describe(struct fuzz_ctx *c, const char *fmt, ...)
{
	va_list ap;

	/* Also without --trace: an unexpected success names its arguments. */
	va_start(ap, fmt);
	vsnprintf(c->desc, sizeof(c->desc), fmt, ap);
	va_end(ap);
}

/* The outer request's words, then ", " and what describe() said of its parts. */
static void describe_outer(struct fuzz_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void describe_outer(struct fuzz_ctx *c, const char *fmt, ...)
{
	char d[sizeof(c->desc)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(d))
		snprintf(d + n, sizeof(d) - (size_t)n, ", %.300s", c->desc);
	memcpy(c->desc, d, sizeof(d));
}

/* Makes the call, counts its answer; returns 0 or the errno. */
static int call(struct fuzz_ctx *c, unsigned int op, unsigned long req,
		void *arg, bool must_fail)
{
	int ret, err = 0;

	if (c->trace) {
		fprintf(stderr, "t%u %s %p%s: %s\n", c->thread, fuzz_ops[op].name,
			arg, must_fail ? " (must fail)" : "", c->desc);
		fflush(stderr);
		c->desc[0] = '\0';
	}
	ret = ioctl(c->ctl_fd, req, arg);
	if (ret < 0)
		err = errno;
	else if (ret > 0)
		/* No request of the module answers with a positive value. */
		err = STATS_ERRNOS - 1;
	counts_add(&c->counts[op], err);
	if (!err && must_fail) {
		c->counts[op].unexpected_ok++;
		fprintf(stderr, "blksnap-ioctl-fuzz: thread %u: %s succeeded with arguments that cannot be valid (arg %p: %s)\n",
			c->thread, fuzz_ops[op].name, arg, c->desc);
	}
	c->desc[0] = '\0';
	return err;
}

/* The argument itself, at a good or (sometimes) bad place. */
static struct fuzz_place put_arg(struct fuzz_ctx *c, const void *arg, size_t size)
{
	return arena_put(&c->arena, &c->rng, SLOT_ARG,
			 arena_pick(&c->rng, BAD_ARG_PERCENT), arg, size);
}

/* A filter name; *@bad when no filter can have it. */
static void make_name(struct fuzz_ctx *c, __u8 name[BLKFILTER_NAME_LENGTH], bool *bad)
{
	static const char *const wrong[] = { "", "blksna", "blksnapx", "BLKSNAP",
					     "blksnap ", "dm-era" };

	memset(name, 0, BLKFILTER_NAME_LENGTH);
	*bad = false;
	switch (rng_below(&c->rng, 20)) {
	case 0:
		strcpy((char *)name, wrong[rng_below(&c->rng, 6)]);
		*bad = true;
		break;
	case 1:
		/* Unterminated. */
		memset(name, 'b', BLKFILTER_NAME_LENGTH);
		memcpy(name, BLKSNAP_FILTER_NAME, strlen(BLKSNAP_FILTER_NAME));
		*bad = true;
		break;
	case 2:
		/* Garbage after the NUL is no part of it. */
		rng_fill(&c->rng, name, BLKFILTER_NAME_LENGTH);
		strcpy((char *)name, BLKSNAP_FILTER_NAME);
		break;
	default:
		strcpy((char *)name, BLKSNAP_FILTER_NAME);
		break;
	}
}

static bool bdev_out_of_range(const struct blksnap_bdev *b)
{
	return b->major > MAJOR_MAX || b->minor > MINOR_MAX;
}

static void version(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_version v = { 0 };
	struct fuzz_place pl = put_arg(c, &v, sizeof(v));

	describe(c, "at %s", ptr_name(pl.kind));
	call(c, op, IOCTL_BLKSNAP_VERSION, pl.p, !pl.writable);
}

/* A storage path for @kind at a place in SLOT_INNER; *@bad if unusable. */
static void *storage_path(struct fuzz_ctx *c, unsigned int kind, bool *bad)
{
	struct fuzz_arena *a = &c->arena;
	char path[PATH_MAX];
	struct fuzz_place pl;
	size_t n;
	unsigned char *end;

	*bad = false;
	switch (rng_below(&c->rng, 20)) {
	case 0: {
		/* Unterminated: 'a's up to the guard. */
		n = 1 + rng_below(&c->rng, 4096);
		end = a->guard[SLOT_INNER];
		memset(end - n, 'a', n);
		describe(c, "unterminated path of %zu bytes", n);
		*bad = true;
		return end - n;
	}
	case 1:
		/* Longer than PATH_MAX, terminated. */
		n = PATH_MAX_KERNEL + rng_below(&c->rng, 64);
		memset(a->rw[SLOT_INNER], '/', n);
		a->rw[SLOT_INNER][n] = '\0';
		describe(c, "path of %zu slashes", n);
		*bad = true;
		return a->rw[SLOT_INNER];
	case 2:
		/* Where it is readable (read-only), an empty path. */
		pl = arena_put(a, &c->rng, SLOT_INNER,
			       arena_pick(&c->rng, 100), "", 1);
		describe(c, "path at %s", ptr_name(pl.kind));
		*bad = !pl.readable;
		return pl.p;
	default:
		world_storage_path(c->world, &c->rng, kind, path);
		pl = arena_put(a, &c->rng, SLOT_INNER, arena_pick(&c->rng, 0),
			       path, strlen(path) + 1);
		describe(c, "path %.200s", path);
		return pl.p;
	}
}

static void snapshot_create(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_snapshot_create s = { 0 };
	struct fuzz_place pl;
	bool bad = false, bad_path;
	int err;

	s.diff_storage_limit_sect = rng_chance(&c->rng, 75) ?
		rng_range(&c->rng, 2048, 65536) : rng_edge64(&c->rng);
	s.storage_kind = (uint32_t)rng_below(&c->rng, 3);
	if (rng_chance(&c->rng, 5) || !world_room_for_snapshot(c->world)) {
		/* Enough of them live: this one must fail. */
		s.storage_kind = 3 + (uint32_t)rng_below(&c->rng, 1000);
		bad = true;
	}
	if (rng_chance(&c->rng, 5)) {
		s.padding = rng_edge32(&c->rng) | 1;
		bad = true;
	}
	rng_fill(&c->rng, &s.id, sizeof(s.id));
	s.diff_storage_path = (uintptr_t)storage_path(c, s.storage_kind, &bad_path);
	bad |= bad_path;
	pl = put_arg(c, &s, sizeof(s));
	describe_outer(c, "kind %u limit %llu padding %u at %s",
		       s.storage_kind, (unsigned long long)s.diff_storage_limit_sect,
		       s.padding, ptr_name(pl.kind));
	err = call(c, op, IOCTL_BLKSNAP_SNAPSHOT_CREATE, pl.p, bad || !pl.writable);
	if (!err && arena_get(&pl, &s))
		world_created(c->world, &s.id);
}

static void snapshot_id_call(struct fuzz_ctx *c, unsigned int op,
			     unsigned long req)
{
	struct blksnap_uuid id;
	struct fuzz_place pl;
	int err;

	world_pick_id(c->world, &c->rng, &id);
	pl = put_arg(c, &id, sizeof(id));
	describe(c, "id %02x%02x.. at %s", id.b[0], id.b[1], ptr_name(pl.kind));
	err = call(c, op, req, pl.p, !pl.readable);
	if (!err && req == IOCTL_BLKSNAP_SNAPSHOT_DESTROY)
		world_destroyed(c->world, &id);
}

static void snapshot_destroy(struct fuzz_ctx *c, unsigned int op)
{
	snapshot_id_call(c, op, IOCTL_BLKSNAP_SNAPSHOT_DESTROY);
}

static void snapshot_take(struct fuzz_ctx *c, unsigned int op)
{
	snapshot_id_call(c, op, IOCTL_BLKSNAP_SNAPSHOT_TAKE);
}

static void snapshot_collect(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_snapshot_collect s = { 0 };
	struct fuzz_place pl, ids = { 0 };
	size_t room;
	bool bad = false;

	switch (rng_below(&c->rng, 6)) {
	case 0:
		s.count = 0;
		break;
	case 1:
		s.count = 1;
		break;
	case 2:
		s.count = (uint32_t)rng_below(&c->rng, WORLD_SNAPSHOTS_MAX + 2);
		break;
	case 3:
		s.count = 64;
		break;
	default:
		s.count = rng_edge32(&c->rng);
		break;
	}
	if (rng_chance(&c->rng, 5)) {
		s.padding = rng_edge32(&c->rng) | 1;
		bad = true;
	}
	if (rng_chance(&c->rng, 80)) {
		/* Room for count ids, or fewer (the kernel writes up to count). */
		room = s.count < 4096 ? s.count : 4096;
		if (rng_chance(&c->rng, 20))
			room = rng_below(&c->rng, room + 1);
		ids = arena_put(&c->arena, &c->rng, SLOT_BUF,
				arena_pick(&c->rng, BAD_PAYLOAD_PERCENT), NULL,
				room * sizeof(struct blksnap_uuid));
		s.ids = (uintptr_t)ids.p;
		/* NULL asks for the count only. */
		if (!s.ids)
			ids.writable = true;
	}
	pl = put_arg(c, &s, sizeof(s));
	describe(c, "count %u padding %u ids at %s (%zu bytes), at %s", s.count,
		 s.padding, s.ids ? ptr_name(ids.kind) : "none", ids.size,
		 ptr_name(pl.kind));
	call(c, op, IOCTL_BLKSNAP_SNAPSHOT_COLLECT, pl.p, bad || !pl.writable);
}

static void snapshot_wait_event(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_snapshot_event *ev = (void *)c->scratch;
	struct fuzz_place pl;
	unsigned int pick = (unsigned int)rng_below(&c->rng, 100);

	memset(ev, 0, sizeof(*ev));
	world_pick_id(c->world, &c->rng, &ev->id);
	/* Short timeouts mostly: the point is racing destroy and take. */
	ev->timeout_ms = pick < 60 ? 0 : pick < 90 ? (uint32_t)rng_range(&c->rng, 1, 10) :
			 pick < 99 ? (uint32_t)rng_range(&c->rng, 11, 100) :
			 rng_edge32(&c->rng);
	ev->code = rng_edge32(&c->rng);
	pl = put_arg(c, ev, sizeof(*ev));
	describe(c, "id %02x%02x.. timeout %u ms at %s", ev->id.b[0], ev->id.b[1],
		 ev->timeout_ms, ptr_name(pl.kind));
	/* Success writes the whole event out. */
	call(c, op, IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT, pl.p, !pl.writable);
}

static void filter_attach(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_filter_attach s = { 0 };
	struct fuzz_target t;
	struct fuzz_place pl;
	bool bad;
	int err;

	world_pick_target(c->world, &c->rng, &t);
	s.bdev = t.bdev;
	make_name(c, s.name, &bad);
	if (!t.attachable && !bad && !bdev_out_of_range(&s.bdev)) {
		/* Never a filter on a device that is not the fuzzer's. */
		switch (rng_below(&c->rng, 4)) {
		case 0:
			s.opt = rng_edge64(&c->rng) | 1;
			break;
		case 1:
			s.optlen = rng_edge32(&c->rng) | 1;
			break;
		case 2:
			s.padding = rng_edge32(&c->rng) | 1;
			break;
		default:
			memset(s.name, 'b', sizeof(s.name));
			break;
		}
		bad = true;
	} else if (rng_chance(&c->rng, 6)) {
		s.opt = rng_edge64(&c->rng) | 1;
		s.optlen = rng_edge32(&c->rng);
		bad = true;
	}
	bad |= bdev_out_of_range(&s.bdev);
	pl = put_arg(c, &s, sizeof(s));
	describe(c, "%u:%u name %.8s opt %llx optlen %u padding %u at %s",
		 s.bdev.major, s.bdev.minor, s.name, (unsigned long long)s.opt,
		 s.optlen, s.padding, ptr_name(pl.kind));
	err = call(c, op, IOCTL_BLKSNAP_FILTER_ATTACH, pl.p, bad || !pl.readable);
	if (!err)
		world_attached(c->world, &s.bdev);
}

static void filter_detach(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_filter_detach s = { 0 };
	struct fuzz_target t;
	struct fuzz_place pl;
	bool bad;

	world_pick_target(c->world, &c->rng, &t);
	s.bdev = t.bdev;
	make_name(c, s.name, &bad);
	bad |= bdev_out_of_range(&s.bdev);
	pl = put_arg(c, &s, sizeof(s));
	describe(c, "%u:%u name %.8s at %s", s.bdev.major, s.bdev.minor, s.name,
		 ptr_name(pl.kind));
	call(c, op, IOCTL_BLKSNAP_FILTER_DETACH, pl.p, bad || !pl.readable);
}

/*
 * One filter CTL command: @payload (@size bytes, NULL for none) at a place
 * in SLOT_INNER; *@out set to that place.  @payload_bad: the payload
 * itself cannot be valid; @writes: the command writes the payload back.
 */
static int filter_ctl(struct fuzz_ctx *c, unsigned int op, const struct fuzz_target *t,
		      unsigned int cmd, const void *payload, size_t size,
		      bool payload_bad, bool writes, struct fuzz_place *out)
{
	struct blksnap_filter_ctl s = { 0 };
	struct fuzz_place pl, inner;
	unsigned int pick = (unsigned int)rng_below(&c->rng, 100);
	bool bad;

	s.bdev = t->bdev;
	make_name(c, s.name, &bad);
	bad |= bdev_out_of_range(&s.bdev);
	s.cmd = cmd;
	/* The payload's size mostly; short, empty, longer, anything. */
	s.optlen = pick < 80 ? (uint32_t)size : pick < 88 ? (uint32_t)size - 1 :
		   pick < 92 ? 0 : pick < 96 ? (uint32_t)size + (uint32_t)rng_below(&c->rng, 4096) :
		   rng_edge32(&c->rng);
	inner = arena_put(&c->arena, &c->rng, SLOT_INNER,
			  arena_pick(&c->rng, BAD_PAYLOAD_PERCENT), payload, size);
	s.opt = (uintptr_t)inner.p;
	if (payload) {
		bad |= s.optlen < size || payload_bad || !inner.readable;
		bad |= writes && !inner.writable;
	}
	pl = put_arg(c, &s, sizeof(s));
	describe_outer(c, "%u:%u name %.8s cmd %u optlen %u payload at %s, arg at %s",
		       s.bdev.major, s.bdev.minor, s.name, s.cmd, s.optlen,
		       ptr_name(inner.kind), ptr_name(pl.kind));
	*out = inner;
	/* Success writes optlen back into the argument. */
	return call(c, op, IOCTL_BLKSNAP_FILTER_CTL, pl.p, bad || !pl.writable);
}

static void ctl_cbtinfo(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_cbtinfo info;
	struct fuzz_target t;
	struct fuzz_place out;

	world_pick_target(c->world, &c->rng, &t);
	rng_fill(&c->rng, &info, sizeof(info));
	if (!filter_ctl(c, op, &t, BLKFILTER_CTL_BLKSNAP_CBTINFO, &info, sizeof(info),
			false, true, &out) && arena_get(&out, &info))
		world_cbtinfo(c->world, &t.bdev, info.block_count, info.device_capacity);
}

static void ctl_cbtmap(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_cbtmap m = { 0 };
	struct fuzz_target t;
	struct fuzz_place out, buf;
	uint32_t bc;
	bool bad = false;

	world_pick_target(c->world, &c->rng, &t);
	bc = t.block_count;
	switch (rng_below(&c->rng, 4)) {
	case 0:
	case 1:
		m.offset = 0;
		break;
	case 2:
		m.offset = (uint32_t)rng_below(&c->rng, (uint64_t)bc + 2);
		break;
	default:
		m.offset = rng_edge32(&c->rng);
		break;
	}
	switch (rng_below(&c->rng, 6)) {
	case 0:
		m.length = bc > m.offset ? bc - m.offset : 0;
		break;
	case 1:
		m.length = (uint32_t)rng_below(&c->rng, (uint64_t)bc + 2);
		break;
	case 2:
		m.length = (uint32_t)rng_below(&c->rng, 2);
		break;
	case 3:
		m.length = CBTMAP_WINDOW_MAX + (uint32_t)rng_below(&c->rng, 2);
		break;
	default:
		m.length = rng_edge32(&c->rng);
		break;
	}
	buf = arena_put(&c->arena, &c->rng, SLOT_BUF,
			arena_pick(&c->rng, BAD_PAYLOAD_PERCENT), NULL, m.length);
	m.buffer = (uintptr_t)buf.p;
	bad = m.length > CBTMAP_WINDOW_MAX || !buf.writable;
	if (bc && t.stable)
		bad |= m.offset > bc || m.length > bc - m.offset;
	describe(c, "offset %u length %u (map %u) buffer at %s", m.offset, m.length,
		 bc, ptr_name(buf.kind));
	filter_ctl(c, op, &t, BLKFILTER_CTL_BLKSNAP_CBTMAP, &m, sizeof(m), bad,
		   false, &out);
}

/*
 * @count ranges of sectors into the scratch buffer: within the device
 * (@capacity sectors, 0 unknown) mostly, or at and past its end and
 * wrapping around.  *@bad if one is out of range of a @stable device.
 */
static void make_ranges(struct fuzz_ctx *c, unsigned int count, uint64_t capacity,
			bool stable, bool *bad)
{
	struct blksnap_sectors *r = (void *)c->scratch;
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (capacity && rng_chance(&c->rng, 70)) {
			r[i].offset = rng_below(&c->rng, capacity);
			r[i].count = rng_below(&c->rng, capacity - r[i].offset + 1);
		} else {
			r[i].offset = rng_chance(&c->rng, 30) ? capacity : rng_edge64(&c->rng);
			r[i].count = rng_edge64(&c->rng);
			if (stable && capacity && (r[i].offset > capacity ||
					 r[i].count > capacity - r[i].offset))
				*bad = true;
		}
	}
}

static unsigned int range_count(struct fuzz_ctx *c)
{
	switch (rng_below(&c->rng, 8)) {
	case 0:
		return 0;
	case 1:
		return RANGES_MAX;
	case 2:
		return RANGES_MAX + 1;
	case 3:
		return (unsigned int)rng_below(&c->rng, RANGES_MAX + 1);
	case 4:
		return rng_edge32(&c->rng);
	default:
		return 1 + (unsigned int)rng_below(&c->rng, 16);
	}
}

/* CBTDIRTY and SNAPSHOTFREE: a count, padding, a pointer to ranges. */
static void ctl_ranges(struct fuzz_ctx *c, unsigned int op, unsigned int cmd)
{
	struct blksnap_cbtdirty d = { 0 };
	struct fuzz_target t;
	struct fuzz_place out, ranges;
	bool bad = false;

	/* struct blksnap_snapshotfree has the same layout. */
	_Static_assert(sizeof(struct blksnap_cbtdirty) == sizeof(struct blksnap_snapshotfree),
		       "CBTDIRTY and SNAPSHOTFREE payloads differ");
	world_pick_target(c->world, &c->rng, &t);
	d.count = range_count(c);
	bad = d.count > RANGES_MAX;
	if (rng_chance(&c->rng, 8)) {
		d.padding = rng_edge32(&c->rng) | 1;
		bad = true;
	}
	if (d.count <= RANGES_MAX)
		make_ranges(c, d.count, t.capacity_sect, t.stable, &bad);
	ranges = arena_put(&c->arena, &c->rng, SLOT_BUF,
			   arena_pick(&c->rng, BAD_PAYLOAD_PERCENT), c->scratch,
			   d.count <= RANGES_MAX ? d.count * sizeof(struct blksnap_sectors) :
			   sizeof(struct blksnap_sectors));
	d.dirty_sectors = (uintptr_t)ranges.p;
	if (d.count <= RANGES_MAX)
		bad |= !ranges.readable;
	describe(c, "count %u padding %u ranges at %s", d.count, d.padding,
		 ptr_name(ranges.kind));
	filter_ctl(c, op, &t, cmd, &d, sizeof(d), bad, false, &out);
}

static void ctl_cbtdirty(struct fuzz_ctx *c, unsigned int op)
{
	ctl_ranges(c, op, BLKFILTER_CTL_BLKSNAP_CBTDIRTY);
}

static void ctl_snapshotfree(struct fuzz_ctx *c, unsigned int op)
{
	ctl_ranges(c, op, BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE);
}

static void ctl_snapshotadd(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_snapshotadd a;
	struct fuzz_target t;
	struct fuzz_place out;

	world_pick_target(c->world, &c->rng, &t);
	world_pick_id(c->world, &c->rng, &a.id);
	describe(c, "id %02x%02x..", a.id.b[0], a.id.b[1]);
	filter_ctl(c, op, &t, BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD, &a, sizeof(a),
		   false, false, &out);
}

static void ctl_snapshotinfo(struct fuzz_ctx *c, unsigned int op)
{
	struct blksnap_snapshotinfo info;
	struct fuzz_target t;
	struct fuzz_place out;

	world_pick_target(c->world, &c->rng, &t);
	rng_fill(&c->rng, &info, sizeof(info));
	if (!filter_ctl(c, op, &t, BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO, &info,
			sizeof(info), false, true, &out) &&
	    arena_get(&out, &info) && info.image_major)
		world_image(c->world, info.image_major, info.image_minor);
}

static void ctl_cbtswitch(struct fuzz_ctx *c, unsigned int op)
{
	struct fuzz_target t;
	struct fuzz_place out;

	world_pick_target(c->world, &c->rng, &t);
	/* No payload: whatever opt and optlen say. */
	filter_ctl(c, op, &t, BLKFILTER_CTL_BLKSNAP_CBTSWITCH, NULL,
		   rng_below(&c->rng, 64), false, false, &out);
}

static void ctl_unknown(struct fuzz_ctx *c, unsigned int op)
{
	unsigned char payload[64];
	struct fuzz_target t;
	struct fuzz_place out;
	uint32_t cmd;

	world_pick_target(c->world, &c->rng, &t);
	rng_fill(&c->rng, payload, sizeof(payload));
	cmd = rng_chance(&c->rng, 50) ? BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE + 1 +
					(uint32_t)rng_below(&c->rng, 8) :
					rng_edge32(&c->rng);
	if (cmd <= BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE)
		cmd = BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE + 1;
	filter_ctl(c, op, &t, cmd, payload, sizeof(payload), true, false, &out);
}

/* Request numbers of the module's type that are none of its requests. */
static void bad_request(struct fuzz_ctx *c, unsigned int op)
{
	static const unsigned long good[] = {
		IOCTL_BLKSNAP_VERSION, IOCTL_BLKSNAP_SNAPSHOT_CREATE,
		IOCTL_BLKSNAP_SNAPSHOT_DESTROY, IOCTL_BLKSNAP_SNAPSHOT_TAKE,
		IOCTL_BLKSNAP_SNAPSHOT_COLLECT, IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT,
		IOCTL_BLKSNAP_FILTER_ATTACH, IOCTL_BLKSNAP_FILTER_DETACH,
		IOCTL_BLKSNAP_FILTER_CTL,
	};
	unsigned long req;
	unsigned int dir, nr, size, i;
	struct fuzz_place pl;

	do {
		dir = (unsigned int)rng_below(&c->rng, 4);
		nr = rng_chance(&c->rng, 50) ? (unsigned int)_IOC_NR(good[rng_below(&c->rng, 9)]) :
		     (unsigned int)rng_below(&c->rng, 256);
		size = rng_chance(&c->rng, 50) ? (unsigned int)rng_below(&c->rng, 8192) :
		       (unsigned int)_IOC_SIZE(good[rng_below(&c->rng, 9)]);
		/* Only the module's own type: another could reach the VFS. */
		req = _IOC(dir, BLKSNAP, nr, size);
		for (i = 0; i < 9 && req != good[i]; i++)
			;
	} while (i < 9);
	pl = arena_put(&c->arena, &c->rng, SLOT_ARG, PTR_GOOD, NULL, size);
	describe(c, "request %#lx (dir %u nr %u size %u)", req, dir, nr, size);
	call(c, op, req, pl.p, true);
}

static void io_write(struct fuzz_ctx *c, unsigned int op)
{
	size_t len = 4096 * (size_t)rng_range(&c->rng, 1, 16);

	/* Data unlike the last write's: chunks must really be copied. */
	rng_fill(&c->rng, c->scratch, 64);
	counts_add(&c->counts[op], -world_write(c->world, &c->rng, c->scratch, len));
}

static void loop_add(struct fuzz_ctx *c, unsigned int op)
{
	counts_add(&c->counts[op], -world_loop_add(c->world, &c->rng));
}

static void loop_remove(struct fuzz_ctx *c, unsigned int op)
{
	counts_add(&c->counts[op], -world_loop_remove(c->world, &c->rng));
}

/*
 * Weights per mix.  The broad mix reaches every request; the race mix
 * keeps snapshots and filters coming and going under the other threads:
 * destroy, take, wait_event, detach and add, on the same few ids.
 */
const struct fuzz_op fuzz_ops[] = {
	/*
	 * Under TCG a request that changes state (a create, a take, an
	 * attach, a switch's grace period under the filters' lock) costs
	 * milliseconds, a refused one tens of microseconds: the checks get
	 * most calls, the lifecycle enough to keep objects coming and going.
	 */
	{ "version",          true,  { 10, 2 },  version },
	{ "snapshot_create",  true,  { 2, 4 },   snapshot_create },
	{ "snapshot_destroy", true,  { 3, 8 },   snapshot_destroy },
	{ "snapshot_take",    true,  { 1, 6 },   snapshot_take },
	{ "snapshot_collect", true,  { 10, 4 },  snapshot_collect },
	{ "snapshot_wait_event", true, { 8, 12 }, snapshot_wait_event },
	{ "filter_attach",    true,  { 4, 5 },   filter_attach },
	{ "filter_detach",    true,  { 4, 8 },   filter_detach },
	{ "ctl_cbtinfo",      true,  { 12, 4 },  ctl_cbtinfo },
	{ "ctl_cbtmap",       true,  { 12, 4 },  ctl_cbtmap },
	{ "ctl_cbtdirty",     true,  { 10, 2 },  ctl_cbtdirty },
	{ "ctl_snapshotadd",  true,  { 4, 10 },  ctl_snapshotadd },
	{ "ctl_snapshotinfo", true,  { 10, 6 },  ctl_snapshotinfo },
	{ "ctl_cbtswitch",    true,  { 1, 1 },   ctl_cbtswitch },
	{ "ctl_snapshotfree", true,  { 8, 2 },   ctl_snapshotfree },
	{ "ctl_unknown_cmd",  true,  { 8, 2 },   ctl_unknown },
	{ "bad_request",      true,  { 8, 2 },   bad_request },
	{ "io_write",         false, { 1, 0 },   io_write },
	{ "loop_add",         false, { 1, 0 },   loop_add },
	{ "loop_remove",      false, { 1, 0 },   loop_remove },
};

const unsigned int fuzz_nr_ops = sizeof(fuzz_ops) / sizeof(fuzz_ops[0]);

unsigned int fuzz_one(struct fuzz_ctx *c, enum fuzz_mix mix)
{
	unsigned int weights[sizeof(fuzz_ops) / sizeof(fuzz_ops[0])];
	unsigned int i;

	for (i = 0; i < fuzz_nr_ops; i++)
		weights[i] = fuzz_ops[i].weight[mix];
	i = rng_weighted(&c->rng, weights, fuzz_nr_ops);
	fuzz_ops[i].run(c, i);
	return i;
}
