/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pre- and post-snapshot hooks of a backup: programs that make the point
 * application-consistent (a database checkpoints or pauses before the
 * take and resumes after it), as Veeam's pre-freeze and post-thaw
 * scripts do.
 *
 * The hooks are each executable regular file of a hooks directory whose
 * name does not start with '.' (in name order for "pre", in reverse for
 * "post", so that they unwind like brackets), called with the one
 * argument "pre" or "post", and the --pre and --post shell commands
 * (sh -c), which run after the directory's pre hooks and before its post
 * hooks.  Each runs in a process group of its own with standard input
 * from /dev/null, its output going where blksnap's goes, and
 * BLKSNAP_HOOK (pre or post), BLKSNAP_TARGETS (the TARGETs, space
 * separated), BLKSNAP_SNAPSHOT (the snapshot's id) and, for post,
 * BLKSNAP_TAKEN (1 if the take succeeded, else 0) in its environment.
 * One that runs longer than the timeout is sent SIGTERM, SIGKILL two
 * seconds later, and has failed.
 *
 * A pre hook that fails stops the others and the take (nothing is
 * taken); the post hooks run all, once pre hooks have run, whether the
 * take succeeded or not.
 */
#ifndef BLKSNAP_CLI_HOOKS_H
#define BLKSNAP_CLI_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#define HOOKS_DEFAULT_DIR	"/etc/blksnap/hooks.d"
#define HOOKS_DEFAULT_TIMEOUT	60U	/* seconds per hook */
#define HOOKS_WHY_LEN		512

struct hooks {
	const char *dir;	/* NULL or missing: none */
	const char *pre, *post;	/* shell commands, or NULL */
	unsigned int timeout;	/* seconds per hook, at least 1 */
	const char *targets;	/* BLKSNAP_TARGETS */
	const char *snapshot;	/* BLKSNAP_SNAPSHOT */
	bool pre_ran;		/* the pre hooks were started */
};

/*
 * Run the pre hooks, stopping at the first that fails.  0; or -1 with
 * @why naming the hook and how it failed ("/etc/blksnap/hooks.d/10-db:
 * exit status 3", "... timed out after 60 s"); -errno if the directory
 * cannot be read.
 */
int hooks_pre(struct hooks *h, char *why, size_t whysize);

/*
 * Run every post hook (if the pre hooks ran), @taken telling them how the
 * take went.  0; or -1 with @why naming the first that failed.
 */
int hooks_post(struct hooks *h, bool taken, char *why, size_t whysize);

#endif /* BLKSNAP_CLI_HOOKS_H */
