// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The next backup run of an image DEST clears what a killed run left:
 * see stale_snapshot.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "restore_point.h"
#include "snapshot/snapshot_make.h"
#include "snapshot_record.h"
#include "stale_snapshot.h"

#define RECORD	RP_DIR_SUFFIX "/" SNAPSHOT_RECORD_NAME

/*
 * The filters the dead run would have detached itself had it been
 * interrupted (cmds/backup.c's failure path), appended to @said.  One that
 * is gone already (detached by hand) is no matter; another failure is
 * said and the run goes on: a filter left attached only keeps tracking.
 */
static void detach_left(struct blksnap_ctx *ctx, const struct snapshot_record *rec,
			char *said, size_t size)
{
	char name[PATH_MAX];
	size_t i, len = strlen(said);
	int err;

	for (i = 0; i < rec->n; i++) {
		if (!snapshot_record_detach(rec, i))
			continue;
		cli_device_name(rec->devs[i].dev, name, sizeof(name));
		err = blksnap_detach(ctx, rec->devs[i].dev);
		if (err == -ENOENT)
			continue;
		if (err) {
			fprintf(stderr, CLI_NAME ": %s: cannot detach the filter a "
				"killed backup run attached: %s; 'blksnap detach %s' "
				"if it is not wanted\n", name, strerror(-err), name);
			continue;
		}
		if (len < size)
			len += snprintf(said + len, size - len, "%s%s",
					strstr(said, "; detached") ? ", " :
					"; detached the filter it attached on ", name);
	}
}

static int fail_claim(const char *dest, int err)
{
	char msg[3 * PATH_MAX];

	if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "%s: another blksnap backup of it is "
			 "running (it holds %s" RECORD "); try again when it is "
			 "done", dest, dest);
	else
		snprintf(msg, sizeof(msg), "%s: cannot read %s" RECORD ": %s; "
			 "check the backup medium", dest, dest, strerror(-err));
	return cli_fail_text(msg);
}

/* The snapshot would not go: the record stays for the run after. */
static int fail_destroy(const char *dest, const char *id, int err)
{
	char msg[2 * PATH_MAX + 4 * GENERATION_STR_LEN];

	if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "%s: snapshot %s, left by a killed "
			 "backup run, is in use (an image open or mounted); "
			 "release it, or 'blksnap snapshot destroy %s', then run "
			 "again", dest, id, id);
	else
		snprintf(msg, sizeof(msg), "%s: cannot destroy snapshot %s, left "
			 "by a killed backup run: %s; 'blksnap snapshot destroy "
			 "%s', then run again", dest, id, strerror(-err), id);
	return cli_fail_text(msg);
}

/* Left, the record would stop this run's own (snapshot_record_create). */
static int fail_remove(const char *dest, int err)
{
	char msg[3 * PATH_MAX];

	snprintf(msg, sizeof(msg), "%s: cannot remove %s" RECORD ": %s; check "
		 "the backup medium", dest, dest, strerror(-err));
	return cli_fail_text(msg);
}

int stale_snapshot_clear(struct blksnap_ctx *ctx, const char *dest,
			 char id[GENERATION_STR_LEN])
{
	char why[SNAPSHOT_RECORD_WHY_LEN], said[2 * PATH_MAX], s[GENERATION_STR_LEN];
	struct snapshot_record rec;
	int fd, err;

	id[0] = '\0';
	err = snapshot_record_claim(dest, &rec, &fd, why, sizeof(why));
	if (err == -ENOENT)
		return CLI_EXIT_SUCCESS;
	if (err == -EBADMSG) {
		/* It names no snapshot we could trust: nothing is destroyed. */
		err = snapshot_record_remove(dest, fd);
		if (!err)
			fprintf(stderr, CLI_NAME ": %s: removed %s" RECORD ", not a "
				"snapshot record (%s); no snapshot destroyed\n", dest,
				dest, why);
		return err ? fail_remove(dest, err) : CLI_EXIT_SUCCESS;
	}
	if (err)
		return fail_claim(dest, err);
	generation_format(&rec.id, s);
	err = snapshot_destroy_patient(ctx, &rec.id);
	if (err && err != -ENOENT) {
		snapshot_record_free(&rec);
		/* Unlocked, the record stays: the dead run's, for the next run. */
		close(fd);
		return fail_destroy(dest, s, err);
	}
	if (!err) {
		memcpy(id, s, GENERATION_STR_LEN);
		snprintf(said, sizeof(said), "destroyed snapshot %s, left by a "
			 "killed backup run", id);
		detach_left(ctx, &rec, said, sizeof(said));
	}
	snapshot_record_free(&rec);
	/* Gone (module reloaded, reboot): only the record is left to drop. */
	err = snapshot_record_remove(dest, fd);
	if (id[0])
		fprintf(stderr, CLI_NAME ": %s: %s\n", dest, said);
	return err ? fail_remove(dest, err) : CLI_EXIT_SUCCESS;
}
