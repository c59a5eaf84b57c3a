// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap backup: copy the devices behind TARGETs to image files or block
 * devices, the whole device the first time and what changed since the
 * last backup after that.
 *
 * One run: lock each destination's state file; snapshot all devices at
 * once (snapshot_make.c); per device, decide full or incremental from the
 * state (backup_state.c), list the ranges (the CBT map above the state's
 * change number, or the whole device), copy them from the snapshot image
 * (backup_copy.c), fsync the destination, and only then advance the
 * state; destroy the snapshot.  An image file DEST is written through its
 * restore points (restore_point.h): what an interrupted run left is rolled
 * back first, the copy saves the old contents of each batch of ranges
 * before it overwrites them, the commit makes the run the latest point,
 * and retention keeps --keep of them.  Termination signals are held all along
 * and polled between chunks: an interrupted run undoes the snapshot and
 * leaves every state it had not yet advanced as it was.  A killed run
 * cannot: the snapshot an image DEST's run holds is recorded beside its
 * points (snapshot_record.h), and the next run destroys what a killed one
 * left (stale_snapshot.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <blksnap/blksnap.h>
#include "backup/backup_copy.h"
#include "backup/backup_state.h"
#include "backup/bdev_area.h"
#include "backup/dest_signature.h"
#include "backup/device_lock.h"
#include "backup/hooks.h"
#include "backup/identity.h"
#include "backup/restore_point.h"
#include "backup/snapshot_record.h"
#include "backup/stale_snapshot.h"
#include "backup/take_time.h"
#include "cli.h"
#include "common/bdev_open.h"
#include "common/config.h"
#include "common/output.h"
#include "common/parse_size.h"
#include "common/progress.h"
#include "common/ranges.h"
#include "common/signals.h"
#include "snapshot/snapshot_make.h"
#include "target/host.h"

#define IMAGE_WAIT_TRIES	50	/* udev may still be making the node */
#define IMAGE_WAIT_US		100000
/*
 * Bytes whose old contents are saved to the undo file with one fsync
 * before they are copied: an incremental run of scattered 64 KiB blocks
 * pays an fsync per 4 MiB changed, not per block.
 */
#define POINT_BATCH		(4U << 20)
#define POINT_BATCH_PIECES	64
/* A run waits this long at most for a second later than DEST's latest point. */
#define POINT_WAIT_MAX		3

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] --to DEST TARGET...\n"
	       " %s list [options] DEST\n"
	       " %s restore [options] --to FILE|DEVICE DEST\n"
	       " %s verify [options] DEST\n"
	       "\nBack up the device of each TARGET to DEST from a snapshot taken of\n"
	       "all of them at one point in time.  The first run copies the whole\n"
	       "device; later runs copy only the blocks changed since the last\n"
	       "backup, as its state file records.  When the state cannot be\n"
	       "continued (change tracking restarted, another device or size,\n"
	       "an unreadable state), it says why and copies everything.\n"
	       "\nDEST is an image file (created sparse, the device's size; runs of\n"
	       "zeros are not written) or a block device at least that size.  With\n"
	       "several TARGETs, or if DEST is a directory, each device goes to\n"
	       "DEST/NAME.img, NAME its mount point (root for /, var-lib for\n"
	       "/var/lib) or else its filesystem UUID, names that stay from boot\n"
	       "to boot.  DEST is fsynced before the state advances; an\n"
	       "interrupted run leaves the state as it was and the next run\n"
	       "repairs DEST.\n"
	       "\nAn image file keeps restore points in DEST.blksnap/ beside it: each\n"
	       "run saves the old contents of what it overwrites there first, so an\n"
	       "interrupted run is rolled back (the next run says so in one line)\n"
	       "and earlier backups stay restorable ('backup restore').  A block\n"
	       "device keeps them in its own blksnap area past the copy (the device\n"
	       "must be larger than TARGET: its size rounded up to 1 MiB, 4 MiB of\n"
	       "undo space and 16 bytes per 64 KiB); its first bytes stay a plain\n"
	       "copy.  A device without that room is refused (exit 1) unless\n"
	       "--in-place is given.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n"
	       " -t, --to DEST          the image file, block device or directory\n"
	       " -S, --state FILE       the state file (one TARGET only); default: one\n"
	       "                        per DEST in the state directory\n"
	       "                        (/var/lib/blksnap, see blksnap.conf(5))\n"
	       " -f, --full             copy everything, whatever the state says\n"
	       " -F, --force            write over an existing DEST that holds a\n"
	       "                        filesystem or partition table that no blksnap\n"
	       "                        backup wrote (refused without)\n"
	       " -n, --no-wait          fail at once if another backup holds the state\n"
	       "                        or the device instead of waiting for it\n"
	       " -r, --ranges-out FILE  copy nothing: write the ranges to copy to FILE\n"
	       "                        (OFFSET LENGTH in bytes, a line each), advance\n"
	       "                        the state and leave the snapshot for the caller\n"
	       "                        to read and destroy (one TARGET only)\n"
	       " -k, --keep-snapshot    leave the snapshot after the copy (to verify\n"
	       "                        it); 'blksnap snapshot destroy' it after\n"
	       " -K, --keep N           keep N restore points of DEST, the latest\n"
	       "                        included (default: keep in blksnap.conf(5),\n"
	       "                        built-in 7; a device keeps at most 120, and\n"
	       "                        fewer when its area runs out of room)\n"
	       "     --in-place         a block-device DEST with no room for its\n"
	       "                        blksnap area: write it in place, without\n"
	       "                        restore points (an interrupted run leaves\n"
	       "                        it torn until the next run completes)\n"
	       " -b, --bwlimit RATE     copy at most RATE bytes per second (K, M, G)\n"
	       "     --pre CMD          run CMD (sh -c) right before the snapshot is\n"
	       "                        taken, after the hooks directory's pre hooks;\n"
	       "                        a failure takes nothing\n"
	       "     --post CMD         run CMD right after the take (or its failure),\n"
	       "                        before the hooks directory's post hooks\n"
	       "     --hook-timeout S   seconds a hook may run (default: hook-timeout\n"
	       "                        in blksnap.conf(5), built-in 60)\n"
	       " -s, --storage PATH     difference storage, as for 'snapshot create'\n"
	       " -l, --limit SIZE|N%%    its largest size, as for 'snapshot create'\n"
	       "     --exact            copy the free space of ext4 and xfs too, as for\n"
	       "                        'snapshot create'; by default DEST holds zeros\n"
	       "                        (holes in an image file) where blocks were free\n"
	       "                        at the take, and a full run reads from the\n"
	       "                        device only the blocks in use\n"
	       " -J, --json             print the summary as JSON\n"
	       "\nHooks: each executable in the hooks directory (hooks-directory in\n"
	       "blksnap.conf(5), /etc/blksnap/hooks.d) runs with the argument 'pre'\n"
	       "right before the take (name order) and 'post' right after it\n"
	       "(reverse order), to make the point application-consistent; a pre\n"
	       "hook that fails or times out stops the run with nothing taken, and\n"
	       "the post hooks run whenever the pre hooks did.\n"
	       "\nOn a terminal, a progress line shows on stderr; otherwise only the\n"
	       "summary is printed, one line per device.  Exit status: 0 done, 1\n"
	       "failed (a device with a summary line is done all the same; the\n"
	       "others' next run repairs DEST), 2 usage.\n"
	       "\n'list', 'restore' and 'verify' read the restore points kept in\n"
	       "DEST.blksnap/ beside an image DEST, or in a device DEST's own area;\n"
	       "see their --help.\n",
	       cmd, cmd, cmd, cmd);
	cli_usage_footer();
}

struct job {
	struct snapshot_member *m;
	char device[PATH_MAX];		/* /dev/NAME */
	char dest[PATH_MAX];		/* absolute */
	char state[PATH_MAX];
	int lock_fd;
	int dev_lock_fd;		/* device_lock.h; -1 if none could be made */
	bool dest_created;		/* by this run: removed on failure */
	bool dest_bdev;
	bool no_area_room;		/* a device too small for its blksnap area */
	uint64_t dest_bdev_size;

	struct backup_state prev;
	bool prev_ok;
	bool state_dropped;		/* removed for a full copy */
	char reason[BACKUP_WHY_LEN];	/* why a full copy */

	struct blksnap_cbtinfo info;	/* read right after the take */
	uint8_t number;			/* the take's change number, at most */
	char image[PATH_MAX];
	struct backup_identity now;	/* the device at this take */
	struct backup_dest_id dest_seen;	/* DEST when decide() looked */
	struct backup_dest_id dest_after;	/* DEST after the copy's fsync */
	bool incremental;
	/* An image file: written through restore points. */
	bool points;
	char recovered[RP_MSG_LEN];	/* what rp_recover() did, or "" */
	/* The snapshot a killed run left, destroyed by this one, or "". */
	char stale[GENERATION_STR_LEN];
	int record_fd;			/* this run's snapshot record, locked */
	uint64_t undo_bytes;		/* old contents saved by this run */
	uint64_t lost;			/* of those, not what the last point held */
	uint64_t unchanged;		/* copied, found unchanged, not written */
	/* A full copy over DEST's existing point: read all, write what differs. */
	bool compared;
	unsigned int points_kept, points_removed;
	uint64_t total, copied, written;
	double seconds;
	bool done;
};

struct backup {
	const char *cmd;
	struct snapshot_make mk;
	const char *to;
	const char *state_arg;
	const char *ranges_out;
	bool dir_mode;
	bool json, no_wait, keep, full;
	bool force;			/* overwrite a DEST blksnap did not write */
	bool in_place;			/* a device DEST without room: no points */
	unsigned int keep_points;	/* --keep, or blksnap.conf's keep */
	uint64_t bwlimit;
	struct hooks hooks;
	char targets[2 * PATH_MAX];	/* the TARGETs, for the hooks */
	bool post_failed;		/* a post hook failed: exit 1 at the end */
	struct job *jobs;
	size_t n;
	time_t taken;
};

/* "blksnap: OBJECT: cannot WHAT: strerror; FIX" */
static int fail_io(const char *object, const char *what, int err,
		   const char *fix)
{
	char msg[2 * PATH_MAX];

	snprintf(msg, sizeof(msg), "%s: cannot %s: %s; %s", object, what,
		 strerror(-err), fix);
	return cli_fail_text(msg);
}

/* @path made absolute through its directory, which must exist. */
static int absolute_dest(const char *path, char *out, size_t size)
{
	char *d = strdup(path), *b = strdup(path), *real = NULL;
	int ret = CLI_EXIT_SUCCESS;

	if (!d || !b) {
		ret = fail_io(path, "resolve", -ENOMEM, "try again");
		goto out;
	}
	real = realpath(dirname(d), NULL);
	if (!real) {
		ret = fail_io(path, "use the directory", -errno,
			      "create it or give another --to");
		goto out;
	}
	if ((size_t)snprintf(out, size, "%s/%s", strcmp(real, "/") ? real : "",
			     basename(b)) >= size)
		ret = fail_io(path, "use", -ENAMETOOLONG, "give a shorter --to");
out:
	free(real);
	free(d);
	free(b);
	return ret;
}

static int bdev_bytes(int fd, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return -errno;
	*size = end;
	return 0;
}

/* What DEST is, checked before anything is made. */
static int check_dest(struct backup *b, struct job *j)
{
	char need_s[32], have_s[32], msg[3 * PATH_MAX];
	uint64_t need;
	struct stat st;
	dev_t ddev, *devs;
	size_t i;
	int fd, err;

	err = host_dev_size(host_real(), j->m->t.dev, &need);
	if (err)
		return cli_fail(j->m->t.device, CLI_OP_DEVICE_SIZE, err);
	if (stat(j->dest, &st) == 0) {
		if (S_ISBLK(st.st_mode)) {
			j->dest_bdev = true;
			fd = open(j->dest, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return fail_io(j->dest, "open", -errno,
					       "check the device");
			err = bdev_bytes(fd, &j->dest_bdev_size);
			close(fd);
			if (err)
				return fail_io(j->dest, "read the size", err,
					       "check the device");
			if (j->dest_bdev_size < need) {
				size_format(j->dest_bdev_size, have_s, sizeof(have_s));
				size_format(need, need_s, sizeof(need_s));
				snprintf(msg, sizeof(msg), "%s: %s, smaller than %s "
					 "(%s); give a device of at least %s or an "
					 "image file", j->dest, have_s, j->m->t.arg,
					 need_s, need_s);
				return cli_fail_text(msg);
			}
			need = bdev_area_min_dev_size(need, RP_CHUNK_DEFAULT);
			j->no_area_room = j->dest_bdev_size < need &&
					  !rp_exists(j->dest);
			if (j->no_area_room && !b->in_place && !b->ranges_out) {
				size_format(j->dest_bdev_size, have_s, sizeof(have_s));
				size_format(need, need_s, sizeof(need_s));
				snprintf(msg, sizeof(msg), "%s: %s, no room past a copy of "
					 "%s for the blksnap area that keeps its restore "
					 "points; give a device of at least %s or an image "
					 "file, or --in-place to write it without restore "
					 "points", j->dest, have_s, j->m->t.arg, need_s);
				return cli_fail_text(msg);
			}
		} else if (!S_ISREG(st.st_mode)) {
			snprintf(msg, sizeof(msg), "%s: not a regular file or block "
				 "device; give an image file or a block device", j->dest);
			return cli_fail_text(msg);
		}
	} else if (errno != ENOENT) {
		return fail_io(j->dest, "use", -errno, "give another --to");
	}
	/*
	 * A backup onto a device it backs up would never settle: not on the
	 * device itself, nor its disk or a partition of it, nor through an
	 * LV, md or loop device stacked on it, as for the storage.
	 */
	if (storage_device(&b->mk.r, j->dest, &ddev) != 0)
		return CLI_EXIT_SUCCESS;
	devs = calloc(b->n, sizeof(*devs));
	if (!devs)
		return fail_io(j->dest, "check", -ENOMEM, "try again");
	for (i = 0; i < b->n; i++)
		devs[i] = b->jobs[i].m->t.dev;
	err = storage_dest_check(&b->mk.r, j->dest, ddev, devs, b->n);
	free(devs);
	return err ? cli_fail_text(b->mk.r.error) : CLI_EXIT_SUCCESS;
}

/*
 * DEST in --to DIR: named by what stays from boot to boot, the mount
 * point or the filesystem UUID (identity_image_name()).  An image an
 * older blksnap named by the kernel's name goes on under that name.
 */
static int dir_image(const struct backup *b, const struct job *j, char *dest,
		     size_t size)
{
	char uuid[BACKUP_UUID_LEN] = "", name[PATH_MAX], old[PATH_MAX];
	const char *kname = strrchr(j->m->t.device, '/');
	struct stat st;

	kname = kname ? kname + 1 : j->m->t.device;
	if ((size_t)snprintf(old, sizeof(old), "%s/%s.img", b->to, kname) >=
	    sizeof(old))
		return fail_io(b->to, "use", -ENAMETOOLONG, "give a shorter --to");
	if (!j->m->t.mountpoint[0])
		identity_device_fs_uuid(j->device, uuid, sizeof(uuid));
	/*
	 * A mount point too long for a file name, or an image an older
	 * blksnap named by the kernel's name: the kernel's name.
	 */
	if (identity_image_name(j->m->t.mountpoint, uuid, j->m->t.device, name,
				NAME_MAX + 1) ||
	    (size_t)snprintf(dest, size, "%s/%s", b->to, name) >= size ||
	    (strcmp(old, dest) && !stat(old, &st) && stat(dest, &st)))
		snprintf(dest, size, "%s", old);
	return CLI_EXIT_SUCCESS;
}

static int plan_job(struct backup *b, struct job *j)
{
	char dest[PATH_MAX], msg[PATH_MAX + 128];
	const char *dir;
	int ret;

	host_dev_path(host_real(), j->m->t.dev, j->device, sizeof(j->device));
	if (b->dir_mode) {
		ret = dir_image(b, j, dest, sizeof(dest));
		if (ret)
			return ret;
	} else {
		snprintf(dest, sizeof(dest), "%s", b->to);
	}
	ret = absolute_dest(dest, j->dest, sizeof(j->dest));
	if (!ret)
		ret = check_dest(b, j);
	if (ret)
		return ret;
	/*
	 * Restore points live on the backup medium: in a directory beside an
	 * image file, in a block device's own area past the copy (--in-place
	 * writes a device without room for one as before, without points).
	 * --ranges-out writes nothing to DEST.
	 */
	j->points = !b->ranges_out && !(j->dest_bdev && j->no_area_room);
	if (b->state_arg) {
		snprintf(j->state, sizeof(j->state), "%s", b->state_arg);
		return CLI_EXIT_SUCCESS;
	}
	dir = config_get()->state_dir;
	if (backup_state_default_path(dir, j->dest, j->state, sizeof(j->state)))
		return fail_io(j->dest, "name a state file", -ENAMETOOLONG,
			       "give --state");
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(msg, sizeof(msg), "state directory %s", dir);
		return fail_io(msg, "create", -errno,
			       "create it, set state-directory in blksnap.conf or give --state");
	}
	return CLI_EXIT_SUCCESS;
}

/* Lock the state and read it; a state that cannot be used means full. */
static int load_state(struct backup *b, struct job *j)
{
	char why[PATH_MAX + 128], msg[3 * PATH_MAX];
	int err;

	err = backup_state_lock(j->state, !b->no_wait, &j->lock_fd);
	if (err == -EWOULDBLOCK) {
		snprintf(msg, sizeof(msg), "%s: another backup holds its state %s; "
			 "try later, or without --no-wait to wait", j->dest, j->state);
		return cli_fail_text(msg);
	}
	if (err)
		return fail_io(j->state, "lock", err,
			       "check the state directory or give --state");
	err = backup_state_read(j->state, &j->prev, why, sizeof(why));
	if (!err) {
		j->prev_ok = true;
	} else if (err == -ENOENT) {
		snprintf(j->reason, sizeof(j->reason), "first backup: no state %s",
			 j->state);
	} else if (err == -EBADMSG) {
		snprintf(j->reason, sizeof(j->reason), "state %s unusable: %s",
			 j->state, why);
	} else {
		return fail_io(j->state, "read", err,
			       "fix its permissions or give another --state");
	}
	return CLI_EXIT_SUCCESS;
}

static int open_image(struct job *j)
{
	unsigned int tries = 0;
	int fd;

	snprintf(j->image, sizeof(j->image), "/dev/%s", (char *)j->m->info.image);
	while ((fd = open(j->image, O_RDONLY | O_CLOEXEC)) < 0 &&
	       errno == ENOENT && ++tries < IMAGE_WAIT_TRIES)
		usleep(IMAGE_WAIT_US);
	if (fd < 0)
		return -errno;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

/*
 * @st's identity as the state records it, with the UUID of the
 * filesystem a file is on: a replugged USB disk comes back under another
 * device number, and its DEST is the same all the same.
 */
static void dest_id_of(const char *dest, const struct stat *st,
		       struct backup_dest_id *id)
{
	char uuid[37];

	backup_dest_id_from_stat(st, id);
	if (id->kind == BACKUP_DEST_FILE) {
		identity_fs_uuid(st->st_dev, id->fs_uuid, sizeof(id->fs_uuid));
	} else if (id->kind == BACKUP_DEST_BDEV) {
		/* Its blksnap area's UUID: the same device after a replug. */
		rp_area_uuid(dest, uuid);
		snprintf(id->fs_uuid, sizeof(id->fs_uuid), "%s", uuid);
	}
}

/* Full or incremental, and why. */
static void decide(struct backup *b, struct job *j)
{
	struct backup_dest_now dest = { .path = j->dest };
	struct stat st;

	identity_probe(j->device, j->image, j->total, &j->now);
	if (stat(j->dest, &st) == 0) {
		dest.exists = true;
		dest.is_bdev = S_ISBLK(st.st_mode);
		dest.size = dest.is_bdev ? j->dest_bdev_size : (uint64_t)st.st_size;
		dest_id_of(j->dest, &st, &dest.id);
		j->dest_seen = dest.id;
	}
	j->incremental = false;
	if (b->full) {
		snprintf(j->reason, sizeof(j->reason), "--full given");
		return;
	}
	if (!j->prev_ok)
		return;
	j->incremental = backup_state_usable(&j->prev, &j->now, &j->info.generation_id,
					     j->number, &dest,
					     j->reason, sizeof(j->reason));
	if (!j->incremental)
		fprintf(stderr, CLI_NAME ": %s: full copy: %s\n", j->m->t.arg,
			j->reason);
}

/*
 * The ranges to copy: the CBT map's blocks above the state's change
 * number, or the whole device.  A new array in *@out.
 */
static int list_ranges(struct backup *b, struct job *j, struct byte_range **out,
		       size_t *count)
{
	struct blksnap_cbtinfo after;
	struct cbt_range_iter it;
	struct byte_range r, *v = NULL, *tmp;
	size_t n = 0, cap = 0;
	uint8_t *map;
	int err;

	if (!j->incremental) {
		v = malloc(sizeof(*v));
		if (!v)
			return fail_io(j->m->t.arg, "list ranges", -ENOMEM, "try again");
		v[0] = (struct byte_range){ 0, j->total };
		*out = v;
		*count = 1;
		return CLI_EXIT_SUCCESS;
	}
	map = malloc(j->info.block_count ? j->info.block_count : 1);
	if (!map)
		return fail_io(j->m->t.arg, "read the change map", -ENOMEM, "try again");
	err = blksnap_cbt_read_map(b->mk.ctx, j->m->t.dev, map, j->info.block_count);
	if (!err)
		err = blksnap_cbt_info(b->mk.ctx, j->m->t.dev, &after);
	/*
	 * The map must be the one read right after this snapshot's take,
	 * read whole: a switch since would have moved blocks written after
	 * the take below the number the state records.
	 */
	if (!err && (memcmp(&after.generation_id, &j->info.generation_id,
			    sizeof(after.generation_id)) ||
		     after.changes_number != j->info.changes_number ||
		     after.block_count != j->info.block_count))
		err = -ESTALE;
	if (err) {
		free(map);
		return cli_fail(j->m->t.arg, CLI_OP_CBT_MAP, err);
	}
	cbt_range_iter_init(&it, map, j->info.block_count, j->info.block_size,
			    j->total, j->prev.number);
	while (cbt_range_next(&it, &r)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				free(v);
				free(map);
				return fail_io(j->m->t.arg, "list ranges", -ENOMEM,
					       "try again");
			}
			v = tmp;
		}
		v[n++] = r;
	}
	free(map);
	*out = v;
	*count = n;
	return CLI_EXIT_SUCCESS;
}

static int write_ranges_file(const char *path, const struct byte_range *v,
			     size_t n)
{
	FILE *f = fopen(path, "we");
	size_t i;
	int err = 0;

	if (!f)
		return fail_io(path, "create", -errno, "give another --ranges-out");
	for (i = 0; i < n; i++)
		fprintf(f, "%llu %llu\n", (unsigned long long)v[i].offset,
			(unsigned long long)v[i].length);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err ? fail_io(path, "write", err, "give another --ranges-out") : 0;
}

/*
 * An incremental copy writes only into the DEST decide() judged to hold
 * the last backup: never into a file made since at its path (which would
 * then pass for that backup), nor another one moved there.  -ESTALE if
 * DEST is gone or another.
 */
static int open_dest_again(struct job *j)
{
	struct backup_dest_id id;
	struct stat st;
	int fd, err;

	/* O_EXCL on a block device: refused while mounted or in use. */
	fd = bdev_open_waiting(j->dest, O_WRONLY | O_CLOEXEC |
			       (j->dest_bdev ? O_EXCL : 0), 0, BDEV_OPEN_BUSY_MS);
	if (fd < 0)
		return fd == -ENOENT ? -ESTALE : fd;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	dest_id_of(j->dest, &st, &id);
	if (!backup_dest_id_same(&id, &j->dest_seen) ||
	    (!j->dest_bdev && (uint64_t)st.st_size != j->total)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * Open DEST for the copy.  A file made now is all holes, so zero runs
 * need no writing; an existing one keeps its blocks (a full copy
 * overwrites or punches each), which keeps an interrupted full copy over
 * a good backup harmless.
 */
static int open_dest(struct job *j, bool *zeroed)
{
	struct stat st;
	int fd;

	*zeroed = false;
	if (j->incremental)
		return open_dest_again(j);
	if (j->dest_bdev)
		return bdev_open_waiting(j->dest, O_WRONLY | O_EXCL | O_CLOEXEC,
					 0, BDEV_OPEN_BUSY_MS);
	fd = open(j->dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		j->dest_created = true;
		*zeroed = true;
	} else if (errno == EEXIST) {
		fd = open(j->dest, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || ((uint64_t)st.st_size != j->total &&
			       ftruncate(fd, j->total))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static bool stop_requested(void)
{
	return signals_pending();
}

static int fail_stale(const struct job *j)
{
	char msg[2 * PATH_MAX];

	snprintf(msg, sizeof(msg), "%s: removed or replaced while this "
		 "backup ran; nothing written and its state unchanged: "
		 "run the backup again (it copies everything)", j->dest);
	return cli_fail_text(msg);
}

/*
 * A read of the snapshot image failed.  When the snapshot itself failed
 * (its difference storage full, a disk failing or gone), that is the
 * cause to name, not the EIO every read of a corrupted image gets.
 */
static int fail_read(const struct backup *b, const struct job *j, int err)
{
	char msg[2 * PATH_MAX + 256], limit_s[32];
	struct blksnap_snapshotinfo info;

	if (blksnap_snapshot_info(b->mk.ctx, j->m->t.dev, &info) || !info.error_code)
		return fail_io(j->image, "read", err, "check 'blksnap snapshot info'");
	if (info.error_code == -ENOSPC) {
		size_format(b->mk.limit, limit_s, sizeof(limit_s));
		snprintf(msg, sizeof(msg), "%s: difference storage full at %s while "
			 "the backup read the snapshot (%s took more writes than it "
			 "holds); raise --limit (or limit in blksnap.conf), or back up "
			 "at a quieter time", j->m->t.arg, limit_s, j->device);
	} else {
		/*
		 * The module's error does not say where it came from: a read
		 * of the device for a copy, the storage's writes or reads, or
		 * the device or the storage gone (ENODEV).
		 */
		snprintf(msg, sizeof(msg), "%s: the snapshot failed while the backup "
			 "read it: %s, from %s or its difference storage; check "
			 "which disk in 'dmesg', then run the backup again",
			 j->m->t.arg, strerror(-info.error_code), j->device);
	}
	return cli_fail_text(msg);
}

static int put_point(void *arg, uint64_t offset, const void *data, size_t len)
{
	return rp_write(arg, offset, data, len);
}

static int zero_point(void *arg, uint64_t offset, uint64_t len)
{
	return rp_zero(arg, offset, len);
}

/* Why a run cannot begin on DEST's restore points, in one line. */
static int fail_begin(const struct job *j, int err, const char *why)
{
	char msg[4 * PATH_MAX + RP_MSG_LEN];

	if (err == -EBUSY && j->dest_bdev)
		snprintf(msg, sizeof(msg), "%s: in use (mounted, or another blksnap "
			 "backup, list or restore holds it); unmount it or try again "
			 "when it is done", j->dest);
	else if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "%s: another blksnap (backup, list or "
			 "restore) holds %s" RP_DIR_SUFFIX "/lock; try again when "
			 "it is done", j->dest, j->dest);
	else if (err == -ENOSPC && j->dest_bdev && why[0] && rp_exists(j->dest))
		/* --in-place is for a device without an area only. */
		snprintf(msg, sizeof(msg), "%s: %s; give a larger device or an "
			 "image file (for a new chain)", j->dest, why);
	else if (err == -ENOSPC && j->dest_bdev && why[0])
		snprintf(msg, sizeof(msg), "%s: %s; give a larger device or an "
			 "image file, or --in-place to write it without restore "
			 "points", j->dest, why);
	else if (err == -EBADMSG && j->dest_bdev)
		snprintf(msg, sizeof(msg), "%s: %s; save what 'blksnap backup "
			 "restore' still gives, then wipe its last MiB for a new "
			 "chain", j->dest, why);
	else if (err == -EBADMSG)
		snprintf(msg, sizeof(msg), "%s: %s; save what 'blksnap backup "
			 "restore' still gives, then move %s and %s" RP_DIR_SUFFIX
			 " away for a new chain", j->dest, why, j->dest, j->dest);
	else if (why[0])
		snprintf(msg, sizeof(msg), "%s: cannot begin a restore point: %s: "
			 "%s; check the backup medium", j->dest, why, strerror(-err));
	else
		return fail_io(j->dest, "begin a restore point", err,
			       "check the backup medium's space and permissions");
	return cli_fail_text(msg);
}

/* The bytes of whole chunks that ranges @v touch: what a run may save. */
static uint64_t chunk_bytes(const struct byte_range *v, size_t n)
{
	uint64_t sum = 0, cs = RP_CHUNK_DEFAULT;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].length)
			sum += ((v[i].offset + v[i].length + cs - 1) / cs -
				v[i].offset / cs) * cs;
	return sum;
}

/*
 * The copy into an image file, through its restore points.  Each batch
 * of ranges is read, the old contents of what it changes saved (one undo
 * fsync; see POINT_BATCH), then written; zero runs are punched after the
 * same saving.  A chunk DEST holds already, byte for byte, is neither
 * saved nor written: a full copy after tracking was lost costs a read of
 * DEST and only the real changes.  A signal leaves the run for the next
 * one to roll back (at once, whatever it wrote); another failure rolls
 * DEST back now.
 */
static int copy_to_points(struct backup *b, struct job *j, int image_fd,
			  const struct byte_range *v, size_t n)
{
	struct byte_range piece[POINT_BATCH_PIECES];
	char why[RP_MSG_LEN];
	struct range_batcher rb;
	struct backup_copy c;
	struct progress p;
	struct rp_run *run;
	struct stat st;
	unsigned char *buf;
	uint64_t pos;
	bool zeroed;
	size_t i, k;
	int fd, err;

	if (j->incremental) {
		fd = open_dest_again(j);
		if (fd == -ESTALE)
			return fail_stale(j);
		if (fd < 0)
			return fail_io(j->dest, "open", fd, "check --to");
		close(fd);
		err = backup_state_mark_writing(j->state, &j->prev);
		if (err)
			return fail_io(j->state, "mark", err,
				       "check the state directory");
	}
	/* The engine makes a missing DEST: all holes, zero runs need nothing. */
	zeroed = stat(j->dest, &st) && errno == ENOENT;
	err = rp_begin_sized(j->dest, b->taken, j->total, RP_CHUNK_DEFAULT,
			     chunk_bytes(v, n), &run, why, sizeof(why));
	if (err)
		return fail_begin(j, err, why);
	j->dest_created = zeroed;
	j->compared = !zeroed && !j->incremental;
	err = backup_copy_init(&c, image_fd, -1, zeroed);
	/* Aligned as backup_copy's own buffer, for an O_DIRECT source. */
	buf = NULL;
	if (!err && posix_memalign((void **)&buf, BACKUP_ZERO_BLOCK, POINT_BATCH))
		err = -ENOMEM;
	if (err) {
		backup_copy_free(&c);
		rp_abort(run);
		return fail_io(j->dest, "copy", err, "try again");
	}
	c.put = put_point;
	c.zero = zero_point;
	c.put_arg = run;
	c.stop = stop_requested;
	c.rate_limit = b->bwlimit;
	for (i = 0; i < n; i++)
		j->copied += v[i].length;
	progress_start(&p, j->m->t.arg, j->copied);
	c.progress = progress_update;
	c.progress_arg = &p;
	range_batcher_init(&rb, v, n, POINT_BATCH);
	while (!err && (k = range_batch_next(&rb, piece, POINT_BATCH_PIECES))) {
		for (i = 0, pos = 0; !err && i < k; pos += piece[i++].length)
			err = backup_copy_read(&c, piece[i].offset, buf + pos,
					       piece[i].length);
		/* From here on a failure is DEST's; a read's stays the image's. */
		if (!err)
			c.failed_on_dst = true;
		for (i = 0, pos = 0; !err && i < k; pos += piece[i++].length)
			err = rp_save_data(run, piece[i].offset, buf + pos,
					   piece[i].length, true);
		for (i = 0, pos = 0; !err && i < k; pos += piece[i++].length)
			err = backup_copy_put(&c, piece[i].offset, buf + pos,
					      piece[i].length);
	}
	progress_end(&p);
	/* What reached DEST as data: not the chunks found unchanged. */
	j->written = rp_written_bytes(run);
	j->unchanged = rp_unchanged_bytes(run);
	j->undo_bytes = rp_saved_bytes(run);
	j->lost = rp_lost_bytes(run);
	backup_copy_free(&c);
	free(buf);
	if (err == -EINTR) {
		rp_leave(run);
		return err;
	}
	if (err) {
		int aerr = rp_abort(run);

		fprintf(stderr, CLI_NAME ": %s: %s\n", j->dest, aerr ?
			"could not be rolled back now; the next run or 'backup list' does it" :
			"rolled back to its latest restore point");
		return c.failed_on_dst ?
		       fail_io(j->dest, "write", err,
			       "check the destination's space and disk") :
		       fail_read(b, j, err);
	}
	/* The commit: from here on the run is DEST's latest point. */
	err = rp_commit(run);
	if (err)
		return fail_io(j->dest, "commit the restore point", err,
			       "check the backup medium; the next run rolls this one back");
	if (j->lost) {
		char lost_s[32];

		size_format(j->lost, lost_s, sizeof(lost_s));
		fprintf(stderr, CLI_NAME ": %s: %s of it did not match their "
			"checksums (damaged or changed on the backup medium): "
			"rewritten from the source, but the points before this run "
			"hold them so ('blksnap backup verify' names them)\n",
			j->dest, lost_s);
	}
	/*
	 * A complete point now, the first one too: should the state write
	 * fail, DEST stays (the next run compares it instead of copying it
	 * all), never removed as a half-made file would be.
	 */
	j->dest_created = false;
	/* What the state records: DEST as this copy leaves it. */
	if (stat(j->dest, &st))
		return fail_io(j->dest, "stat", -errno, "check the backup medium");
	dest_id_of(j->dest, &st, &j->dest_after);
	return CLI_EXIT_SUCCESS;
}

static int copy_ranges(struct backup *b, struct job *j, int image_fd,
		       const struct byte_range *v, size_t n)
{
	struct backup_copy c;
	struct progress p;
	struct stat st;
	bool zeroed;
	size_t i;
	int fd, err;

	fd = open_dest(j, &zeroed);
	if (fd == -ESTALE)
		return fail_stale(j);
	if (fd < 0)
		return fail_io(j->dest, "open", fd, "check --to");
	/*
	 * DEST's mtime moves with the first write; should this run be
	 * interrupted, the next one must know that it was us (and repair),
	 * not someone else.
	 */
	if (j->incremental) {
		err = backup_state_mark_writing(j->state, &j->prev);
		if (err) {
			close(fd);
			return fail_io(j->state, "mark", err,
				       "check the state directory");
		}
	}
	err = backup_copy_init(&c, image_fd, fd, zeroed);
	if (err) {
		close(fd);
		return fail_io(j->dest, "copy", err, "try again");
	}
	c.stop = stop_requested;
	c.rate_limit = b->bwlimit;
	for (i = 0; i < n; i++)
		j->copied += v[i].length;
	progress_start(&p, j->m->t.arg, j->copied);
	c.progress = progress_update;
	c.progress_arg = &p;
	for (i = 0; !err && i < n; i++)
		err = backup_copy_range(&c, v[i].offset, v[i].length);
	progress_end(&p);
	j->written = c.written;
	/* Nothing counts before it is on disk. */
	if (!err && fsync(fd))
		err = -errno;
	/* What the state records: DEST as this copy leaves it. */
	if (!err && fstat(fd, &st))
		err = -errno;
	if (!err)
		dest_id_of(j->dest, &st, &j->dest_after);
	if (close(fd) && !err)
		err = -errno;
	backup_copy_free(&c);
	if (err == -EINTR)
		return err;
	if (err)
		return c.failed_on_dst ?
		       fail_io(j->dest, "write", err,
			       "check the destination's space and disk") :
		       fail_read(b, j, err);
	return CLI_EXIT_SUCCESS;
}

static int advance_state(struct backup *b, struct job *j)
{
	struct backup_state st;
	int err;

	memset(&st, 0, sizeof(st));
	st.id = j->now;
	st.generation = j->info.generation_id;
	st.number = j->number;
	st.time = b->taken;
	snprintf(st.dest, sizeof(st.dest), "%s", j->dest);
	st.dest_size = j->dest_bdev ? j->dest_bdev_size : j->total;
	if (b->ranges_out)
		st.dest_id.kind = BACKUP_DEST_EXTERNAL;
	else
		st.dest_id = j->dest_after;
	err = backup_state_write(j->state, &st);
	if (err)
		return fail_io(j->state, "write", err, j->points ?
			       "check the state directory; the backup itself is "
			       "a complete restore point, and the next run reads "
			       "everything but writes only what changed" :
			       "check the state directory; the next run copies everything");
	/* A marker left now belongs to the old state: ignored, then replaced. */
	backup_state_clear_writing(j->state);
	return CLI_EXIT_SUCCESS;
}

/*
 * A full copy first drops the old state: should it be interrupted, the
 * next run must copy everything again, not continue from a state that
 * no longer describes DEST.
 */
static int drop_state(struct job *j)
{
	if (!unlink(j->state))
		j->state_dropped = true;
	else if (errno != ENOENT)
		return fail_io(j->state, "remove", -errno, "check the state directory");
	backup_state_clear_writing(j->state);
	return CLI_EXIT_SUCCESS;
}

/*
 * Keep --keep points.  The backup itself is done and its state advanced:
 * a failure here is said, and the next run tries again.
 */
static void retain(const struct backup *b, struct job *j)
{
	int err = rp_retain(j->dest, b->keep_points, &j->points_removed,
			    &j->points_kept);

	if (err)
		fprintf(stderr, CLI_NAME ": %s: cannot remove the restore points "
			"beyond --keep %u: %s; the next run tries again\n",
			j->dest, b->keep_points, strerror(-err));
}

/*
 * @j's state advanced: should this run be killed now, the filter on its
 * device must stay, as run()'s failure path leaves it, or the next run
 * would copy everything.  Not recorded (a failing medium), a kill costs
 * at most that one full copy.
 */
static void record_advanced(const struct backup *b, const struct job *j)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->jobs[i].record_fd >= 0)
			snapshot_record_add(b->jobs[i].record_fd, j->m->t.dev, true);
}

/*
 * A device DEST copied whole now carries the filesystem UUID of its
 * origin: mounts and boot by UUID may take either.  Said once per full
 * copy (cron mail stays short after it).
 */
static void warn_same_uuid(const struct job *j)
{
	if (!j->dest_bdev || j->incremental || !j->now.fs_uuid[0])
		return;
	fprintf(stderr, CLI_NAME ": %s: now carries the filesystem UUID %s of %s "
		"as well; mount it by its path, not by UUID, beside the original "
		"(xfs: -o nouuid); to use it as a disk of its own after the last "
		"backup to it, give it a new UUID ('tune2fs -U random', "
		"'xfs_admin -U generate', 'btrfstune -u')\n", j->dest,
		j->now.fs_uuid, j->m->t.arg);
}

static int run_job(struct backup *b, struct job *j)
{
	struct byte_range *v = NULL;
	size_t n = 0;
	double start = progress_now();
	int fd, err, ret;

	fd = open_image(j);
	if (fd < 0)
		return fail_io(j->image, "open", fd, "check 'blksnap snapshot list'");
	err = bdev_bytes(fd, &j->total);
	if (err) {
		close(fd);
		return fail_io(j->image, "read the size", err, "try again");
	}
	decide(b, j);
	ret = list_ranges(b, j, &v, &n);
	if (!ret && !j->incremental && !b->ranges_out)
		ret = drop_state(j);
	if (!ret && b->ranges_out) {
		for (size_t i = 0; i < n; i++)
			j->copied += v[i].length;
		ret = write_ranges_file(b->ranges_out, v, n);
	} else if (!ret && j->points) {
		ret = copy_to_points(b, j, fd, v, n);
	} else if (!ret) {
		ret = copy_ranges(b, j, fd, v, n);
	}
	close(fd);
	free(v);
	if (!ret && signals_pending())
		ret = -EINTR;
	if (!ret)
		ret = advance_state(b, j);
	if (!ret)
		record_advanced(b, j);
	if (!ret && j->points)
		retain(b, j);
	if (!ret)
		warn_same_uuid(j);
	j->seconds = progress_now() - start;
	j->done = !ret;
	return ret;
}

/* "; restore point TIME, N of --keep K kept", or "" for a block device. */
static const char *point_text(const struct backup *b, const struct job *j,
			      char *out, size_t size)
{
	char t[TAKE_TIME_LEN];

	if (!j->points || take_time_format(b->taken, t))
		return "";
	snprintf(out, size, "; restore point %s, %u of --keep %u kept", t,
		 j->points_kept, b->keep_points);
	return out;
}

static void print_text(const struct backup *b, const struct job *j)
{
	char gen[GENERATION_STR_LEN], copied_s[32], total_s[32], written_s[32];
	char point[TAKE_TIME_LEN + 64];
	double rate = j->seconds > 0 ? j->copied / j->seconds / (1 << 20) : 0;

	generation_format(&j->info.generation_id, gen);
	size_format(j->copied, copied_s, sizeof(copied_s));
	size_format(j->total, total_s, sizeof(total_s));
	size_format(j->written, written_s, sizeof(written_s));
	if (b->ranges_out)
		printf("%s: %s: %s of %s listed in %s; snapshot %s left for you\n",
		       j->m->t.arg, j->incremental ? "incremental" : "full",
		       copied_s, total_s, b->ranges_out, b->mk.id_str);
	else if (j->compared)
		/* After tracking was lost: the work is the read, not the write. */
		printf("%s: full to %s: compared: %s read, %s written in %.1f s, "
		       "%.1f MiB/s; at %s:%u%s\n", j->m->t.arg, j->dest, copied_s,
		       written_s, j->seconds, rate, gen, j->number,
		       point_text(b, j, point, sizeof(point)));
	else
		printf("%s: %s to %s: %s of %s copied (%s written) in %.1f s, "
		       "%.1f MiB/s; at %s:%u%s\n", j->m->t.arg,
		       j->incremental ? "incremental" : "full", j->dest, copied_s,
		       total_s, written_s, j->seconds, rate, gen, j->number,
		       point_text(b, j, point, sizeof(point)));
}

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return v ? json_object_object_add(o, key, v) : -1;
}

/*
 * What a script needs of the restore points: the point this run made (its
 * take time, for 'backup restore --at'), how many are kept, what went.
 */
static int add_points(const struct backup *b, const struct job *j,
		      struct json_object *o)
{
	char t[TAKE_TIME_LEN];

	if (take_time_format(b->taken, t))
		return -1;
	return add(o, "restore-point", json_object_new_string(t)) ||
	       add(o, "restore-points", json_object_new_int64(j->points_kept)) ||
	       add(o, "restore-points-removed",
		   json_object_new_int64(j->points_removed)) ||
	       add(o, "keep", json_object_new_int64(b->keep_points)) ||
	       add(o, "undo-bytes", json_object_new_int64(j->undo_bytes)) ||
	       add(o, "bytes-unchanged", json_object_new_int64(j->unchanged)) ||
	       add(o, "bytes-damaged", json_object_new_int64(j->lost)) ||
	       (j->recovered[0] &&
		add(o, "recovered", json_object_new_string(j->recovered))) ||
	       (j->stale[0] &&
		add(o, "stale-snapshot-destroyed", json_object_new_string(j->stale)));
}

/* Only the devices done; the snapshot only if it is left (@complete). */
static int print_json(const struct backup *b, double seconds, bool complete)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char gen[GENERATION_STR_LEN], point[GENERATION_STR_LEN + 8];
	int err = !root || !arr, ret;
	size_t i;

	for (i = 0; !err && i < b->n; i++) {
		const struct job *j = &b->jobs[i];
		struct json_object *o;

		if (!j->done)
			continue;
		o = json_object_new_object();
		generation_format(&j->info.generation_id, gen);
		snprintf(point, sizeof(point), "%s:%u", gen, j->number);
		err = !o || json_object_array_add(arr, o) ||
		      add(o, "target", json_object_new_string(j->m->t.arg)) ||
		      add(o, "device", json_object_new_string(j->device)) ||
		      add(o, "image", json_object_new_string(j->image)) ||
		      add(o, "dest", json_object_new_string(j->dest)) ||
		      add(o, "state", json_object_new_string(j->state)) ||
		      add(o, "mode", json_object_new_string(j->incremental ?
						"incremental" : "full")) ||
		      add(o, "reason", json_object_new_string(j->incremental ?
						"the state continues" : j->reason)) ||
		      add(o, "bytes-copied", json_object_new_int64(j->copied)) ||
		      add(o, "bytes-written", json_object_new_int64(j->written)) ||
		      add(o, "bytes-total", json_object_new_int64(j->total)) ||
		      add(o, "seconds", json_object_new_double(j->seconds)) ||
		      add(o, "generation", json_object_new_string(point));
		if (!err && j->points)
			err = add_points(b, j, o);
		if (!err && j->incremental) {
			generation_format(&j->prev.generation, gen);
			snprintf(point, sizeof(point), "%s:%u", gen, j->prev.number);
			err = add(o, "since", json_object_new_string(point));
		}
	}
	if (!err) {
		err = json_object_object_add(root, "backups", arr);
		if (!err)
			arr = NULL;	/* @root holds it now */
	}
	if (!err)
		err = add(root, "seconds", json_object_new_double(seconds));
	if (!err && complete && (b->keep || b->ranges_out))
		err = add(root, "snapshot", json_object_new_string(b->mk.id_str));
	ret = err ? cli_fail("stdout", CLI_OP_PRINT, -ENOMEM) : output_json(root);
	json_object_put(arr);
	json_object_put(root);
	return ret;
}

static bool any_done(const struct backup *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->jobs[i].done)
			return true;
	return false;
}

/* After a failure: which devices were done all the same, in one line. */
static void say_done(const struct backup *b)
{
	char list[2 * PATH_MAX] = "";
	size_t i, len = 0;

	if (!any_done(b))
		return;
	for (i = 0; i < b->n && len < sizeof(list); i++)
		if (b->jobs[i].done)
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					len ? ", " : "", b->jobs[i].m->t.arg);
	fprintf(stderr, CLI_NAME ": %s: backed up all the same, state advanced; "
		"run the backup again for the others\n", list);
}

/* What an interrupted run left of @j's state, truly. */
static void say_interrupted(const struct job *j)
{
	if (j->state_dropped)
		fprintf(stderr, CLI_NAME ": %s: interrupted; its state was removed "
			"for the full copy, the next run copies all of %s again%s\n",
			j->m->t.arg, j->dest, j->points ? " (after rolling it back "
			"to its latest restore point)" : "");
	else if (j->points)
		fprintf(stderr, CLI_NAME ": %s: interrupted; its state is "
			"unchanged, the next run rolls %s back to its latest "
			"restore point first\n", j->m->t.arg, j->dest);
	else
		fprintf(stderr, CLI_NAME ": %s: interrupted; its state is "
			"unchanged, the next run repairs %s\n", j->m->t.arg,
			j->dest);
}

/*
 * The change number the state records for @m's take.  Read right after
 * the take it is the take's own unless a 'cbt switch' slipped in between;
 * one past the number read before the take is never above the take's.  A
 * lower number only makes the next incremental copy a little more.
 */
static uint8_t take_number(const struct snapshot_member *m)
{
	const struct blksnap_cbtinfo *a = &m->cbt_before, *b = &m->cbt;

	if (m->cbt_before_ok && generation_equal(&a->generation_id, &b->generation_id) &&
	    a->block_count == b->block_count &&
	    a->changes_number < b->changes_number)
		return a->changes_number + 1;
	return b->changes_number;
}

/*
 * A point is named by its take time in whole seconds, later than the
 * point before: a run started within a second of the last one waits for
 * the next second; a latest point further ahead means a clock set back.
 */
static int wait_for_later_second(const struct backup *b)
{
	char msg[3 * PATH_MAX + 2 * TAKE_TIME_LEN];
	char then_s[TAKE_TIME_LEN], now_s[TAKE_TIME_LEN];
	int64_t latest = 0, t;
	const struct job *j = NULL;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->jobs[i].points && !rp_latest_time(b->jobs[i].dest, &t) &&
		    t > latest) {
			latest = t;
			j = &b->jobs[i];
		}
	if (!j || latest < time(NULL))
		return CLI_EXIT_SUCCESS;
	if (latest - time(NULL) >= POINT_WAIT_MAX) {
		take_time_format(latest, then_s);
		take_time_format(time(NULL), now_s);
		if (j->dest_bdev)
			snprintf(msg, sizeof(msg), "%s: its latest restore point is "
				 "of %s, after now (%s); set the clock right, or wipe "
				 "its last MiB for a new chain", j->dest, then_s, now_s);
		else
			snprintf(msg, sizeof(msg), "%s: its latest restore point is "
				 "of %s, after now (%s); set the clock right, or move "
				 "%s" RP_DIR_SUFFIX " away for a new chain", j->dest,
				 then_s, now_s, j->dest);
		return cli_fail_text(msg);
	}
	while (latest >= time(NULL))
		usleep(50000);
	return CLI_EXIT_SUCCESS;
}

/*
 * Where a run's snapshot record lives: beside an image file's points
 * (STATE.blksnap/ for a device DEST, which has no directory beside it).
 */
static const char *record_at(const struct job *j)
{
	return j->dest_bdev ? j->state : j->dest;
}

/*
 * snapshot_make's hook: each image DEST records the snapshot as soon as it
 * exists, and each filter attached for it, so that the next run can clean
 * up after a kill.  Every record holds the whole run: the next run of any
 * one DEST destroys the one snapshot.
 */
static int record_made(void *arg, const struct snapshot_make *c,
		       const struct snapshot_member *m)
{
	struct backup *b = arg;
	char msg[3 * PATH_MAX];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < b->n; i++) {
		struct job *j = &b->jobs[i];

		if (!j->points)
			continue;
		if (!m)
			err = snapshot_record_create(record_at(j), &c->id,
						     &j->record_fd);
		else if (m->attached)
			err = snapshot_record_add(j->record_fd, m->t.dev, false);
	}
	if (!err)
		return CLI_EXIT_SUCCESS;
	i--;
	if (err == -EEXIST)
		snprintf(msg, sizeof(msg), "%s: another blksnap backup of it "
			 "began meanwhile (%s" RP_DIR_SUFFIX "/" SNAPSHOT_RECORD_NAME
			 " appeared); try again when it is done", b->jobs[i].dest,
			 record_at(&b->jobs[i]));
	else
		snprintf(msg, sizeof(msg), "%s: cannot record its snapshot in %s"
			 RP_DIR_SUFFIX ": %s; check %s", b->jobs[i].dest,
			 record_at(&b->jobs[i]), strerror(-err),
			 b->jobs[i].dest_bdev ? "the state directory" :
			 "the backup medium");
	return cli_fail_text(msg);
}

/*
 * The run is over: its records go with a snapshot destroyed or handed
 * over (--keep-snapshot).  One that outlives this run (its destroy
 * failed) stays, unlocked, for the next run to destroy.
 */
static void forget_snapshot(const struct backup *b, bool handed_over)
{
	size_t i;
	int err;

	for (i = 0; i < b->n; i++) {
		const struct job *j = &b->jobs[i];

		if (j->record_fd < 0)
			continue;
		if (b->mk.created && !handed_over) {
			close(j->record_fd);
			continue;
		}
		err = snapshot_record_remove(record_at(j), j->record_fd);
		if (err && b->mk.created)
			fprintf(stderr, CLI_NAME ": %s: cannot remove %s" RP_DIR_SUFFIX
				"/" SNAPSHOT_RECORD_NAME ": %s; its next backup "
				"destroys snapshot %s\n", j->dest, j->dest,
				strerror(-err), b->mk.id_str);
	}
}

/*
 * snapshot_make's calls around the take: the pre-snapshot hooks right
 * before it, the post-snapshot hooks right after (hooks.h).  A failing
 * pre hook stops the take, and the post hooks run then too: a hook that
 * paused a database before the one that failed must resume it.
 */
static int before_take(void *arg, const struct snapshot_make *c)
{
	struct backup *b = arg;
	char why[HOOKS_WHY_LEN], msg[2 * HOOKS_WHY_LEN + 256], post[HOOKS_WHY_LEN];

	b->hooks.snapshot = c->id_str;
	b->hooks.targets = b->targets;
	if (!hooks_pre(&b->hooks, why, sizeof(why)))
		return CLI_EXIT_SUCCESS;
	if (hooks_post(&b->hooks, false, post, sizeof(post)))
		b->post_failed = true;
	snprintf(msg, sizeof(msg), "%s; a pre-snapshot hook failed, so nothing was "
		 "taken (the post hooks ran%s%s); fix the hook, or move it out of "
		 "the hooks directory", why, b->post_failed ? "; one failed: " : "",
		 b->post_failed ? post : "");
	return cli_fail_text(msg);
}

static void after_take(void *arg, const struct snapshot_make *c, bool taken)
{
	struct backup *b = arg;
	char why[HOOKS_WHY_LEN];

	(void)c;
	if (!hooks_post(&b->hooks, taken, why, sizeof(why)))
		return;
	b->post_failed = true;
	fprintf(stderr, CLI_NAME ": %s; a post-snapshot hook failed%s\n", why,
		taken ? " (the backup goes on, and exits 1)" : "");
}

/* The snapshot is made and copied with termination signals held. */
static int run(struct backup *b)
{
	double start = progress_now();
	struct signals_saved saved;
	size_t i;
	int ret;

	ret = wait_for_later_second(b);
	if (ret)
		return ret;
	signals_hold(&saved);
	b->mk.read_cbt = true;
	b->mk.made = record_made;
	b->mk.made_arg = b;
	b->mk.before_take = before_take;
	b->mk.after_take = after_take;
	ret = snapshot_make_take(&b->mk);
	b->taken = time(NULL);
	for (i = 0; !ret && i < b->n; i++) {
		b->jobs[i].info = b->jobs[i].m->cbt;
		b->jobs[i].number = take_number(b->jobs[i].m);
	}
	for (i = 0; !ret && i < b->n; i++)
		ret = run_job(b, &b->jobs[i]);
	if (ret == -EINTR) {
		for (i = 0; i < b->n; i++)
			if (!b->jobs[i].done)
				say_interrupted(&b->jobs[i]);
		ret = CLI_EXIT_FAILURE;
	}
	if (!ret && !b->keep && !b->ranges_out)
		ret = snapshot_make_destroy(&b->mk);
	/* What is done is done, failure of the rest or not: say so. */
	if (b->json) {
		if (!ret || any_done(b)) {
			int pret = print_json(b, progress_now() - start, !ret);

			ret = ret ? ret : pret;
		}
	} else {
		for (i = 0; i < b->n; i++)
			if (b->jobs[i].done)
				print_text(b, &b->jobs[i]);
		if (!ret && b->keep && !b->ranges_out)
			printf("snapshot %s kept; destroy it with 'blksnap snapshot "
			       "destroy %s'\n", b->mk.id_str, b->mk.id_str);
	}
	if (ret) {
		say_done(b);
		/*
		 * A filter this run attached stays on a device whose state
		 * advanced: detached, its next run would copy everything.
		 */
		for (i = 0; i < b->n; i++)
			if (b->jobs[i].done)
				b->jobs[i].m->attached = false;
		snapshot_make_undo(&b->mk);
		for (i = 0; i < b->n; i++)
			if (!b->jobs[i].done && b->jobs[i].dest_created)
				unlink(b->jobs[i].dest);
	}
	forget_snapshot(b, !ret);
	for (i = 0; i < b->n; i++)
		b->jobs[i].record_fd = -1;
	signals_release(&saved);
	/* The backup is done; the failed post hook was said. */
	return ret ? ret : b->post_failed ? CLI_EXIT_FAILURE : CLI_EXIT_SUCCESS;
}

/*
 * Two devices to one image (with --to DIR, /dev/vg0/root and /dev/vg1/root
 * are both root.img) would overwrite each other, and their one state lock
 * would be taken twice.
 */
static int refuse_shared_dest(const struct backup *b)
{
	char msg[4 * PATH_MAX + 128];
	size_t i, k;

	for (i = 0; i < b->n; i++)
		for (k = 0; k < i; k++) {
			const struct job *x = &b->jobs[k], *y = &b->jobs[i];
			bool dest = !strcmp(x->dest, y->dest);

			if (!dest && strcmp(x->state, y->state))
				continue;
			snprintf(msg, sizeof(msg), "%s: would be the %s of both %s "
				 "and %s; back them up separately, each with its "
				 "own --to", dest ? x->dest : x->state,
				 dest ? "image" : "state", x->device, y->device);
			return cli_fail_text(msg);
		}
	return CLI_EXIT_SUCCESS;
}

static int by_device(const void *a, const void *b)
{
	dev_t x = (*(const struct job *const *)a)->m->t.dev;
	dev_t y = (*(const struct job *const *)b)->m->t.dev;

	return x < y ? -1 : x > y;
}

/*
 * One backup of a device at a time, whatever its DEST (device_lock.h):
 * another run of it is waited for, or with --no-wait named.  Taken in
 * the order of the devices, before any state lock, in every run.  Where
 * the lock files cannot be made (not root), runs go on without.
 */
static int lock_devices(struct backup *b)
{
	struct job **order = calloc(b->n, sizeof(*order));
	struct device_lock_holder holder;
	char msg[3 * PATH_MAX], pid[32];
	struct job *busy = NULL;
	size_t i;
	int err;

	if (!order)
		return fail_io(CLI_NAME, "back up", -ENOMEM, "try again");
	for (i = 0; i < b->n; i++)
		order[i] = &b->jobs[i];
	qsort(order, b->n, sizeof(*order), by_device);
	for (i = 0; i < b->n && !busy; i++) {
		err = device_lock(DEVICE_LOCK_DIR, order[i]->m->t.dev, !b->no_wait,
				  order[i]->dest, &order[i]->dev_lock_fd, &holder);
		if (err == -EBUSY)
			busy = order[i];
	}
	free(order);
	if (!busy)
		return CLI_EXIT_SUCCESS;
	snprintf(pid, sizeof(pid), holder.pid ? "pid %ld" : "pid unknown",
		 holder.pid);
	snprintf(msg, sizeof(msg), "%s: another blksnap backup of %s is running "
		 "(%s%s%s); try again when it is done, or without --no-wait to "
		 "wait for it", busy->m->t.arg, busy->device, pid,
		 holder.dest[0] ? ", to " : "", holder.dest);
	return cli_fail_text(msg);
}

static int by_state_path(const void *a, const void *b)
{
	const struct job *x = *(const struct job *const *)a;
	const struct job *y = *(const struct job *const *)b;

	return strcmp(x->state, y->state);
}

/*
 * Lock the states in one order for every run, that of their paths:
 * 'backup /a /b' and 'backup /b /a' to one DIR, each holding one lock
 * and waiting for the other's, would wait forever.
 */
static int load_states(struct backup *b)
{
	struct job **order = calloc(b->n, sizeof(*order));
	size_t i;
	int ret = CLI_EXIT_SUCCESS;

	if (!order)
		return fail_io(CLI_NAME, "back up", -ENOMEM, "try again");
	for (i = 0; i < b->n; i++)
		order[i] = &b->jobs[i];
	qsort(order, b->n, sizeof(*order), by_state_path);
	for (i = 0; !ret && i < b->n; i++)
		ret = load_state(b, order[i]);
	free(order);
	return ret;
}

/*
 * An existing DEST that carries a filesystem, swap, a RAID or LVM member
 * or a partition table is written over only if a blksnap backup wrote
 * it (restore points beside it, or a state that names this very file or
 * device), or with --force: a mistyped --to must not cost another disk.
 */
static int refuse_foreign_dest(const struct backup *b, const struct job *j)
{
	char what[256], msg[3 * PATH_MAX];
	struct backup_dest_id id;
	struct stat st;

	if (b->force || b->ranges_out || stat(j->dest, &st))
		return CLI_EXIT_SUCCESS;
	if (rp_exists(j->dest))
		return CLI_EXIT_SUCCESS;
	dest_id_of(j->dest, &st, &id);
	if (j->prev_ok && !strcmp(j->prev.dest, j->dest) &&
	    backup_dest_id_same(&j->prev.dest_id, &id))
		return CLI_EXIT_SUCCESS;
	/* Unreadable: opening it for the copy says why, as before. */
	if (dest_signature(j->dest, what, sizeof(what)) <= 0)
		return CLI_EXIT_SUCCESS;
	snprintf(msg, sizeof(msg), "%s: holds %s, and no blksnap backup wrote it "
		 "(no restore points beside it, no state names it); check that it "
		 "is the %s you mean, then give --force to overwrite it", j->dest,
		 what, j->dest_bdev ? "device" : "file");
	return cli_fail_text(msg);
}

/*
 * Finish what an interrupted run left in DEST's restore points before
 * anything is taken, and say what in one line.
 */
static int recover(struct job *j)
{
	char msg[2 * PATH_MAX + RP_MSG_LEN];
	int err = rp_recover(j->dest, j->recovered, sizeof(j->recovered));

	if (err == 1) {
		fprintf(stderr, CLI_NAME ": %s: %s\n", j->dest, j->recovered);
		return CLI_EXIT_SUCCESS;
	}
	if (!err)
		return CLI_EXIT_SUCCESS;
	if (err == -EBUSY && j->dest_bdev)
		snprintf(msg, sizeof(msg), "%s: in use (mounted, or another blksnap "
			 "backup, list or restore holds it); unmount it or try again "
			 "when it is done", j->dest);
	else if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "%s: another blksnap (backup, list or "
			 "restore) holds %s" RP_DIR_SUFFIX "/lock; try again when "
			 "it is done", j->dest, j->dest);
	else
		snprintf(msg, sizeof(msg), "%s: cannot roll back an interrupted "
			 "run: %s%s%s; check the backup medium, then run again",
			 j->dest, strerror(-err), j->recovered[0] ? ": " : "",
			 j->recovered);
	j->recovered[0] = '\0';
	return cli_fail_text(msg);
}

static int prepare(struct backup *b, char **args, size_t nargs)
{
	struct stat st;
	size_t i;
	int ret;

	/* An existing directory takes NAME.img for one TARGET too, as cp does. */
	b->dir_mode = nargs > 1 || (!stat(b->to, &st) && S_ISDIR(st.st_mode));
	if (b->dir_mode && (stat(b->to, &st) || !S_ISDIR(st.st_mode))) {
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s: not a directory; with several "
			 "TARGETs, --to names a directory for their images", b->to);
		return cli_fail_text(msg);
	}
	ret = snapshot_make_resolve(&b->mk, args, nargs);
	if (ret)
		return ret;
	for (i = 0; i < nargs; i++)
		snprintf(b->targets + strlen(b->targets),
			 sizeof(b->targets) - strlen(b->targets), "%s%s",
			 i ? " " : "", args[i]);
	b->n = b->mk.n;
	b->jobs = calloc(b->n, sizeof(*b->jobs));
	if (!b->jobs)
		return fail_io(CLI_NAME, "back up", -ENOMEM, "try again");
	for (i = 0; i < b->n; i++) {
		b->jobs[i].m = &b->mk.m[i];
		b->jobs[i].lock_fd = -1;
		b->jobs[i].dev_lock_fd = -1;
		b->jobs[i].record_fd = -1;
	}
	/* Bad destinations are refused before anything else is said. */
	for (i = 0; !ret && i < b->n; i++)
		ret = plan_job(b, &b->jobs[i]);
	if (!ret)
		ret = refuse_shared_dest(b);
	if (!ret)
		ret = lock_devices(b);
	if (!ret)
		ret = snapshot_make_storage(&b->mk, true);
	if (!ret)
		ret = load_states(b);
	for (i = 0; !ret && i < b->n; i++)
		if (b->jobs[i].points)
			ret = recover(&b->jobs[i]);
	/* After the roll-back: an interrupted first run leaves DEST empty. */
	for (i = 0; !ret && i < b->n; i++)
		ret = refuse_foreign_dest(b, &b->jobs[i]);
	/* After the lock: a run of this state still alive has ended. */
	for (i = 0; !ret && i < b->n; i++)
		if (b->jobs[i].points)
			ret = stale_snapshot_clear(b->mk.ctx, record_at(&b->jobs[i]),
						   b->jobs[i].stale);
	return ret;
}

/*
 * The restore points of a DEST.  A TARGET called "list", "restore" or
 * "verify" is given as ./list, as a first argument.
 */
static const struct cli_command backup_commands[] = {
	{ "list",    cmd_backup_list,    "list the restore points of DEST" },
	{ "restore", cmd_backup_restore, "write a restore point out as an image" },
	{ "verify",  cmd_backup_verify,  "check DEST and its restore points against their checksums" },
	{ NULL, NULL, NULL },
};

int cmd_backup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to",            required_argument, NULL, 't' },
		{ "state",         required_argument, NULL, 'S' },
		{ "full",          no_argument,       NULL, 'f' },
		{ "force",         no_argument,       NULL, 'F' },
		{ "in-place",      no_argument,       NULL, 'I' },
		{ "no-wait",       no_argument,       NULL, 'n' },
		{ "ranges-out",    required_argument, NULL, 'r' },
		{ "keep-snapshot", no_argument,       NULL, 'k' },
		{ "keep",          required_argument, NULL, 'K' },
		{ "bwlimit",       required_argument, NULL, 'b' },
		{ "pre",           required_argument, NULL, 'P' },
		{ "post",          required_argument, NULL, 'Q' },
		{ "hook-timeout",  required_argument, NULL, 'T' },
		{ "storage",       required_argument, NULL, 's' },
		{ "limit",         required_argument, NULL, 'l' },
		{ "exact",         no_argument,       NULL, 'E' },
		{ "json",          no_argument,       NULL, 'J' },
		{ "help",          no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backup b = { .cmd = argv[0] };
	size_t i, nargs;
	int ch, ret = CLI_EXIT_SUCCESS;

	if (argc > 1) {
		ret = cli_dispatch(backup_commands, argv[0], argc - 1, argv + 1);
		if (ret >= 0)
			return ret;
		ret = CLI_EXIT_SUCCESS;
	}
	snapshot_make_init(&b.mk, argv[0]);
	while ((ch = getopt_long(argc, argv, "t:S:fFnr:kK:b:s:l:Jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			b.to = optarg;
			break;
		case 'S':
			b.state_arg = optarg;
			break;
		case 'f':
			b.full = true;
			break;
		case 'F':
			b.force = true;
			break;
		case 'I':
			b.in_place = true;
			break;
		case 'E':
			b.mk.exact = true;
			break;
		case 'n':
			b.no_wait = true;
			break;
		case 'r':
			b.ranges_out = optarg;
			break;
		case 'k':
			b.keep = true;
			break;
		case 'K':
			if (config_parse_keep(optarg, &b.keep_points))
				ret = cli_usage_error(b.cmd, "--keep '%s': not a number "
						      "of restore points 1..100000",
						      optarg);
			break;
		case 'P':
			b.hooks.pre = optarg;
			break;
		case 'Q':
			b.hooks.post = optarg;
			break;
		case 'T':
			if (config_parse_timeout(optarg, &b.hooks.timeout))
				ret = cli_usage_error(b.cmd, "--hook-timeout '%s': not a "
						      "number of seconds 1..86400", optarg);
			break;
		case 'b':
			if (parse_size(optarg, &b.bwlimit) || !b.bwlimit)
				ret = cli_usage_error(b.cmd, "--bwlimit '%s': not a "
						      "rate in bytes per second", optarg);
			break;
		case 's':
			b.mk.storage = optarg;
			break;
		case 'l':
			ret = snapshot_make_limit(&b.mk, optarg);
			break;
		case 'J':
			b.json = true;
			break;
		case 'h':
			usage(b.cmd);
			goto out;
		default:
			ret = cli_try_help(b.cmd);
			goto out;
		}
		if (ret)
			goto out;
	}
	nargs = argc - optind;
	if (!nargs)
		ret = cli_usage_error(b.cmd, "no target given");
	else if (!b.to || !*b.to)
		ret = cli_usage_error(b.cmd, "no --to DEST given");
	else if (nargs > 1 && b.state_arg)
		ret = cli_usage_error(b.cmd, "--state names one file; with several "
				      "TARGETs, leave it out");
	else if (nargs > 1 && b.ranges_out)
		ret = cli_usage_error(b.cmd, "--ranges-out takes one TARGET");
	else if (b.mk.storage && !*b.mk.storage)
		ret = cli_usage_error(b.cmd, "--storage: empty path");
	else if ((ret = config_load_default()) == CLI_EXIT_SUCCESS) {
		if (!b.keep_points)
			b.keep_points = config_get()->keep;
		if (!b.hooks.timeout)
			b.hooks.timeout = config_get()->hook_timeout;
		b.hooks.dir = config_get()->hooks_dir;
		ret = prepare(&b, argv + optind, nargs);
	}
	if (!ret)
		ret = run(&b);
out:
	for (i = 0; i < b.n; i++) {
		if (b.jobs[i].lock_fd >= 0)
			close(b.jobs[i].lock_fd);
		if (b.jobs[i].dev_lock_fd >= 0)
			close(b.jobs[i].dev_lock_fd);
	}
	free(b.jobs);
	snapshot_make_free(&b.mk);
	return ret;
}
