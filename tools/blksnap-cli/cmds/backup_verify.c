// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap backup verify DEST: read what the restore points of a backup
 * image are made of and check it against the checksums kept with it
 * (restore_point.h: rp_verify), from the backup medium alone.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <json-c/json.h>
#include <blksnap/blksnap.h>
#include "backup/backup_points.h"
#include "backup/backup_state.h"
#include "backup/device_lock.h"
#include "backup/restore_point.h"
#include "backup/take_time.h"
#include "cli.h"
#include "common/cache_behind.h"
#include "common/config.h"
#include "common/generation.h"
#include "common/io_full.h"
#include "common/output.h"
#include "common/parse_size.h"
#include "common/ranges.h"
#include "common/signals.h"
#include "snapshot/snapshot_make.h"

#define IMAGE_WAIT_TRIES	50	/* udev may still be making the node */
#define IMAGE_WAIT_US		100000

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] DEST\n"
	       "\nRead the backup image DEST and the undo files of its restore points\n"
	       "and check them against their checksums: every chunk of DEST against\n"
	       "DEST.blksnap/sums, every saved range against its own.  Each damaged\n"
	       "place is printed (ranges of DEST in bytes), then which points can\n"
	       "still be restored whole.  Only the backup medium is read.  A run\n"
	       "that was interrupted is rolled back first, as 'backup list' does.\n"
	       "\nOptions:\n"
	       " -a, --at TIME          check only what restoring the point taken at\n"
	       "                        TIME reads (as 'backup list' shows it)\n"
	       " -s, --source TARGET    also compare DEST with a snapshot of TARGET\n"
	       "                        taken now, byte for byte, leaving out what\n"
	       "                        change tracking says changed since the latest\n"
	       "                        point (its backup state must continue)\n"
	       " -J, --json             print {\"dest\", \"ok\", \"bytes-read\",\n"
	       "                        \"restore-points\": [{\"time\", \"ok\"}, ...],\n"
	       "                        \"damaged\": [{\"file\", \"offset\", \"length\"\n"
	       "                        (DEST's ranges), \"why\"}, ...],\n"
	       "                        \"bytes-compared-with-source\" (--source)}\n"
	       "\nExit status: 0 nothing damaged, 1 damage found (or DEST could not\n"
	       "be read), 2 usage.\n", cmd);
	cli_usage_footer();
}

struct report {
	bool json;
	bool source_damaged;		/* --source found a difference */
	struct json_object *damaged;	/* with --json */
	int err;			/* out of memory while collecting */
};

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return v ? json_object_object_add(o, key, v) : -1;
}

/* A damaged place: a line now, or an object for the JSON at the end. */
static void on_damage(void *arg, const struct rp_damage *d)
{
	struct report *r = arg;
	struct json_object *o;
	char size[32];

	if (!r->json) {
		if (d->in_image) {
			size_format(d->length, size, sizeof(size));
			printf("%s: bytes %llu-%llu (%s) damaged: %s\n", d->file,
			       (unsigned long long)d->offset,
			       (unsigned long long)(d->offset + d->length - 1),
			       size, d->why);
		} else {
			printf("%s: damaged: %s\n", d->file, d->why);
		}
		return;
	}
	o = json_object_new_object();
	if (!o || json_object_array_add(r->damaged, o) ||
	    add(o, "file", json_object_new_string(d->file)) ||
	    (d->in_image &&
	     (add(o, "offset", json_object_new_int64(d->offset)) ||
	      add(o, "length", json_object_new_int64(d->length)))) ||
	    add(o, "why", json_object_new_string(d->why)))
		r->err = -ENOMEM;
}

static void print_text(const char *dest, const struct rp_verify_result *res)
{
	char t[TAKE_TIME_LEN], size[32];
	size_t i, good = 0;

	for (i = 0; i < res->npoints; i++)
		good += res->points[i].ok;
	size_format(res->bytes_read, size, sizeof(size));
	printf("%s: %zu of %zu restore points whole (%s read)\n", dest, good,
	       res->npoints, size);
	for (i = 0; i < res->npoints; i++)
		if (!res->points[i].ok && !take_time_format(res->points[i].time, t))
			printf("%s: the point of %s cannot be restored whole\n",
			       dest, t);
}

static int print_json(const char *dest, const struct rp_verify_result *res,
		      struct report *r, bool ok, const uint64_t *compared)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char t[TAKE_TIME_LEN];
	int err = !root || !arr || r->err, ret;
	size_t i;

	for (i = 0; !err && i < res->npoints; i++) {
		struct json_object *o = json_object_new_object();

		take_time_format(res->points[i].time, t);
		err = !o || json_object_array_add(arr, o) ||
		      add(o, "time", json_object_new_string(t)) ||
		      add(o, "ok", json_object_new_boolean(res->points[i].ok));
	}
	if (!err)
		err = add(root, "dest", json_object_new_string(dest)) ||
		      add(root, "ok", json_object_new_boolean(ok)) ||
		      add(root, "bytes-read", json_object_new_int64(res->bytes_read)) ||
		      (compared && add(root, "bytes-compared-with-source",
				       json_object_new_int64(*compared)));
	if (!err) {
		err = json_object_object_add(root, "restore-points", arr);
		if (!err)
			arr = NULL;	/* @root holds it now */
	}
	if (!err) {
		err = json_object_object_add(root, "damaged", r->damaged);
		if (!err)
			r->damaged = NULL;
	}
	ret = err ? cli_fail("stdout", CLI_OP_PRINT, -ENOMEM) : output_json(root);
	json_object_put(arr);
	json_object_put(root);
	return ret;
}

/* What a --source comparison works with. */
struct source_check {
	const char *dest;	/* absolute */
	struct snapshot_make mk;
	struct backup_state st;
	uint8_t *changed;	/* a bit per RP_CHUNK_DEFAULT chunk */
	uint64_t size;
};

/* "blksnap: DEST: cannot compare with TARGET: WHY; FIX" */
static int source_fail(const struct source_check *sc, const char *target,
		       const char *why, const char *fix)
{
	char msg[2 * PATH_MAX + 512];

	snprintf(msg, sizeof(msg), "%s: cannot compare with %s: %s; %s", sc->dest,
		 target, why, fix);
	return cli_fail_text(msg);
}

/*
 * The chunks change tracking marks as written since the latest point's
 * take (the state's change number): the source may differ there.
 */
static int mark_changed(struct source_check *sc, const struct snapshot_member *m)
{
	struct cbt_range_iter it;
	struct byte_range r;
	uint8_t *map;
	uint64_t i;
	int err;

	map = malloc(m->cbt.block_count ? m->cbt.block_count : 1);
	sc->changed = calloc(sc->size / RP_CHUNK_DEFAULT / 8 + 1, 1);
	if (!map || !sc->changed) {
		free(map);
		return -ENOMEM;
	}
	err = blksnap_cbt_read_map(sc->mk.ctx, m->t.dev, map, m->cbt.block_count);
	if (err) {
		free(map);
		return err;
	}
	cbt_range_iter_init(&it, map, m->cbt.block_count, m->cbt.block_size,
			    sc->size, sc->st.number);
	while (cbt_range_next(&it, &r))
		for (i = r.offset / RP_CHUNK_DEFAULT;
		     i <= (r.offset + r.length - 1) / RP_CHUNK_DEFAULT; i++)
			sc->changed[i / 8] |= 1U << (i % 8);
	free(map);
	return 0;
}

/* Compare DEST with the image chunk by chunk; each differing range to @fn. */
static int compare_image(struct source_check *sc, const char *image,
			 struct report *r, uint64_t *compared)
{
	unsigned char *a = malloc(RP_CHUNK_DEFAULT), *b = malloc(RP_CHUNK_DEFAULT);
	uint64_t i, n = (sc->size + RP_CHUNK_DEFAULT - 1) / RP_CHUNK_DEFAULT;
	uint64_t from = 0, len = 0;
	unsigned int tries = 0;
	int src, dst, err = 0;

	while ((src = open(image, O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT &&
	       ++tries < IMAGE_WAIT_TRIES)
		usleep(IMAGE_WAIT_US);
	dst = open(sc->dest, O_RDONLY | O_CLOEXEC);
	if (src < 0 || dst < 0 || !a || !b)
		err = src < 0 || dst < 0 ? -errno : -ENOMEM;
	for (i = 0; !err && i <= n; i++) {
		uint64_t off = i * RP_CHUNK_DEFAULT;
		size_t cl = i < n ? (sc->size - off < RP_CHUNK_DEFAULT ?
				     sc->size - off : RP_CHUNK_DEFAULT) : 0;
		bool differs = false;

		if (i < n && !(sc->changed[i / 8] & (1U << (i % 8)))) {
			err = io_pread_full(src, a, cl, off);
			if (!err)
				err = io_pread_full(dst, b, cl, off);
			if (err)
				break;
			cache_drop(src, off, cl);
			cache_drop(dst, off, cl);
			*compared += cl;
			differs = memcmp(a, b, cl) != 0;
		}
		if (differs) {
			if (!len)
				from = off;
			len += cl;
		} else if (len) {
			struct rp_damage d = { sc->dest, true, from, len,
					       "differs from the source, which change "
					       "tracking says did not change there" };

			on_damage(r, &d);
			r->source_damaged = true;
			len = 0;
		}
		if (signals_pending())
			err = -EINTR;
	}
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	free(a);
	free(b);
	return err;
}

/*
 * --source: a snapshot of TARGET taken now against DEST's latest point,
 * where change tracking since that point's take says nothing changed.
 * The filter stays attached and the state as it was.
 */
static int verify_source(const char *dest, const char *target, struct report *r,
			 uint64_t *compared)
{
	struct source_check sc = { 0 };
	char abs[PATH_MAX], state[PATH_MAX], why[BACKUP_WHY_LEN], image[PATH_MAX];
	struct signals_saved saved;
	const struct snapshot_member *m;
	char *args[] = { (char *)target };
	struct device_lock_holder holder;
	int64_t latest;
	int ret, err, lock_fd = -1;

	if (!realpath(dest, abs))
		return source_fail(&sc, target, strerror(errno), "check DEST");
	sc.dest = abs;
	ret = config_load_default();
	if (ret)
		return ret;
	if (backup_state_default_path(config_get()->state_dir, abs, state,
				      sizeof(state)))
		return source_fail(&sc, target, "state path too long", "give a shorter DEST");
	err = backup_state_read(state, &sc.st, why, sizeof(why));
	if (err)
		return source_fail(&sc, target, err == -ENOENT ? "no backup state" :
				   err == -EBADMSG ? why : strerror(-err),
				   "run a backup first: the comparison needs the state of "
				   "the latest point");
	if (rp_latest_time(abs, &latest) || latest != sc.st.time)
		return source_fail(&sc, target, "its state is not of the latest point",
				   "run a backup first");
	snapshot_make_init(&sc.mk, "backup verify");
	sc.mk.read_cbt = true;
	ret = snapshot_make_prepare(&sc.mk, args, 1);
	if (ret)
		goto out;
	if (sc.mk.n != 1) {
		ret = source_fail(&sc, target, "it names more than one device",
				  "name one device");
		goto out;
	}
	/* As a backup run: the two snapshots of one device would collide. */
	err = device_lock(DEVICE_LOCK_DIR, sc.mk.m[0].t.dev, false, abs, &lock_fd,
			  &holder);
	if (err == -EBUSY) {
		char what[PATH_MAX + 96];

		snprintf(what, sizeof(what), "a backup of it is running (pid %ld, "
			 "to %s)", holder.pid, holder.dest[0] ? holder.dest : "?");
		ret = source_fail(&sc, target, what, "try again when it is done");
		goto out;
	}
	signals_hold(&saved);
	ret = snapshot_make_take(&sc.mk);
	m = &sc.mk.m[0];
	sc.size = m->cbt.device_capacity;
	if (!ret && (!generation_equal(&m->cbt.generation_id, &sc.st.generation) ||
		     m->cbt.changes_number < sc.st.number ||
		     strcmp(sc.st.dest, abs)))
		ret = source_fail(&sc, target, "change tracking does not go back to the "
				  "latest point (restarted, or another DEST's state)",
				  "run a backup first");
	if (!ret) {
		err = mark_changed(&sc, m);
		snprintf(image, sizeof(image), "/dev/%s", (const char *)m->info.image);
		if (!err)
			err = compare_image(&sc, image, r, compared);
		if (err)
			ret = source_fail(&sc, target, strerror(-err), "try again");
	}
	if (ret)
		snapshot_make_undo(&sc.mk);
	else
		ret = snapshot_make_destroy(&sc.mk);
	signals_release(&saved);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(sc.changed);
	snapshot_make_free(&sc.mk);
	return ret;
}

int cmd_backup_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at",     required_argument, NULL, 'a' },
		{ "source", required_argument, NULL, 's' },
		{ "json", no_argument,       NULL, 'J' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rp_verify_result res;
	struct report r = { 0 };
	char why[RP_MSG_LEN], msg[PATH_MAX + 256];
	const char *dest, *source = NULL;
	uint64_t compared = 0;
	int64_t at = 0;
	int c, ret, err;

	while ((c = getopt_long(argc, argv, "a:s:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (take_time_parse(optarg, &at))
				return cli_usage_error(argv[0], "--at '%s': not a "
						       "time such as "
						       "2026-12-02T02:30:00Z", optarg);
			break;
		case 's':
			source = optarg;
			break;
		case 'J':
			r.json = true;
			break;
		case 'h':
			usage(argv[0]);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(argv[0]);
		}
	}
	if (optind == argc)
		return cli_usage_error(argv[0], "no DEST given");
	if (argc - optind > 1)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
				       argv[optind + 1]);
	dest = argv[optind];
	ret = backup_points_recover(dest, true);
	if (ret)
		return ret;
	if (r.json) {
		r.damaged = json_object_new_array();
		if (!r.damaged)
			return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	}
	fflush(stdout);
	err = rp_verify(dest, at, on_damage, &r, &res, why, sizeof(why));
	if (err && err != -EBADMSG) {
		json_object_put(r.damaged);
		return backup_points_fail(dest, "verify it", err, why);
	}
	if (source) {
		ret = verify_source(dest, source, &r, &compared);
		if (ret) {
			json_object_put(r.damaged);
			free(res.points);
			return ret;
		}
		/* The latest point is not what the source held at its take. */
		if (r.source_damaged) {
			err = -EBADMSG;
			if (res.npoints)
				res.points[0].ok = false;
		}
	}
	if (r.json) {
		ret = print_json(dest, &res, &r, !err, source ? &compared : NULL);
	} else {
		print_text(dest, &res);
		if (source) {
			char size[32];

			size_format(compared, size, sizeof(size));
			printf("%s: %s compared with a snapshot of %s (what changed "
			       "since the latest point left out)\n", dest, size, source);
		}
		ret = CLI_EXIT_SUCCESS;
	}
	json_object_put(r.damaged);
	free(res.points);
	if (ret)
		return ret;
	if (!err)
		return CLI_EXIT_SUCCESS;
	snprintf(msg, sizeof(msg), "%s: damaged on the backup medium; the next "
		 "'blksnap backup --full' to it rewrites its damaged chunks from "
		 "the source, while points not whole stay so (restore a whole "
		 "one with 'blksnap backup restore --at')", dest);
	return cli_fail_text(msg);
}
