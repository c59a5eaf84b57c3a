/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command of the blksnap CLI shares: exit codes, the command
 * entry points, and the two ways to fail (usage errors and runtime errors).
 *
 * A command is called as cmd_x(argc, argv) with argv[0] its full name,
 * e.g. "blksnap cbt map", and returns the process exit code.
 */
#ifndef BLKSNAP_CLI_H
#define BLKSNAP_CLI_H

#include <stddef.h>
#include <sys/types.h>

/* Documented in usage() of main.c and in blksnap.8; keep the three in step. */
enum {
	CLI_EXIT_SUCCESS = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_HISTORY_LOST = 3,	/* --since cannot be answered */
};

#define CLI_NAME	"blksnap"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_attach(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_backup_list(int argc, char **argv);
int cmd_backup_restore(int argc, char **argv);
int cmd_backup_verify(int argc, char **argv);
int cmd_cbt(int argc, char **argv);
int cmd_cbt_info(int argc, char **argv);
int cmd_cbt_map(int argc, char **argv);
int cmd_cbt_mark_dirty(int argc, char **argv);
int cmd_cbt_switch(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_snapshot_create(int argc, char **argv);
int cmd_snapshot_destroy(int argc, char **argv);
int cmd_snapshot_info(int argc, char **argv);
int cmd_snapshot_list(int argc, char **argv);
int cmd_snapshot_mount(int argc, char **argv);
int cmd_snapshot_umount(int argc, char **argv);
int cmd_snapshot_watch(int argc, char **argv);
int cmd_version(int argc, char **argv);

/*
 * Run @cmds' entry named argv[0] with argv[0] replaced by "@prefix NAME";
 * -1 if there is no such command.
 */
int cli_dispatch(const struct cli_command *cmds, const char *prefix,
		 int argc, char **argv);

/* The top-level commands and overview, for dispatch and for help. */
extern const struct cli_command cli_commands[];
void cli_main_usage(void);

/*
 * Print "blksnap: <message>" and the "Try '@cmd --help'" line to stderr;
 * returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The "Try '@cmd --help'" line alone, after getopt's own message. */
int cli_try_help(const char *cmd);

/* Print a command's "Options" block footer and the man page pointer. */
void cli_usage_footer(void);

/*
 * Open the control node: /dev/blksnap-control, or $BLKSNAP_CONTROL.
 * Reports failures itself; returns an exit code.
 */
struct blksnap_ctx;
int cli_open_control(struct blksnap_ctx **ctx);
const char *cli_control_path(void);

/*
 * cli_open_control() for the commands that make a snapshot: when the node
 * is missing (and not named by $BLKSNAP_CONTROL), load the module first
 * (module_load.h) and say so in one line on stderr.
 */
int cli_open_control_load(struct blksnap_ctx **ctx);

/* The usage text's note on what a TARGET may be. */
#define CLI_TARGET_HELP \
	"\nTARGET is a block device, MAJOR:MINOR, a mount point or a path in a\n" \
	"mounted filesystem, or UUID=, LABEL=, PARTUUID= or PARTLABEL=.\n"

/*
 * Resolve a TARGET argument (a device, mount point, path or tag; see
 * target.h) to its device number; reports failures itself.
 */
int cli_device(const char *arg, dev_t *dev);

/*
 * @dev as a user knows it: "/dev/NAME" from sysfs (/sys, or $BLKSNAP_SYSFS),
 * else "MAJOR:MINOR".  Never fails.
 */
void cli_device_name(dev_t dev, char *buf, size_t size);

/*
 * An ID argument: a snapshot id, the UUID 'snapshot create' printed.
 * Returns 0, or reports a usage error of @cmd and returns its exit code.
 */
struct blksnap_uuid;
int cli_snapshot_id(const char *cmd, const char *arg, struct blksnap_uuid *id);

/* What the failing call was doing, to choose the message and its advice. */
enum cli_op {
	CLI_OP_OPEN_CONTROL,
	CLI_OP_MODULE_VERSION,
	CLI_OP_RESOLVE_DEVICE,
	/* @object is a device whose size sysfs gives (--limit N%). */
	CLI_OP_DEVICE_SIZE,
	CLI_OP_PRINT,
	/* @object is a difference storage path. */
	CLI_OP_STORAGE,
	CLI_OP_STORAGE_REMOVE,
	/*
	 * Adding the device whose own filesystem holds storage @object: the
	 * module preallocates and maps it there.
	 */
	CLI_OP_STORAGE_SAME_FS,
	CLI_OP_SNAPSHOT_CREATE,
	/* @object is the control node. */
	CLI_OP_SNAPSHOT_LIST,
	/* @object is a snapshot id. */
	CLI_OP_SNAPSHOT_TAKE,
	CLI_OP_SNAPSHOT_DESTROY,
	CLI_OP_SNAPSHOT_DEVICES,
	CLI_OP_SNAPSHOT_WATCH,
	/* From here on, @object is a device the module acts on. */
	CLI_OP_ATTACH,
	CLI_OP_DETACH,
	CLI_OP_CBT_INFO,
	CLI_OP_CBT_MAP,
	CLI_OP_CBT_MARK_DIRTY,
	CLI_OP_CBT_SWITCH,
	CLI_OP_SNAPSHOT_ADD,
	CLI_OP_SNAPSHOT_INFO,
};

/*
 * A command of subcommands @cmds: "Usage: CMD SUBCOMMAND [options] @args",
 * then @about and the list of subcommands on --help.
 */
int cli_command_group(int argc, char **argv, const struct cli_command *cmds,
		      const char *args, const char *about);

/*
 * A command on one DEVICE with no options but --help: parse, resolve the
 * device, open the control node, run @call, report with @op.
 */
int cli_device_command(int argc, char **argv, void (*usage)(const char *cmd),
		       int (*call)(struct blksnap_ctx *ctx, dev_t dev),
		       enum cli_op op);

/*
 * Print "blksnap: @object: <what is wrong>; <what to do>" for -errno @err
 * to stderr; returns CLI_EXIT_FAILURE.
 */
int cli_fail(const char *object, enum cli_op op, int err);

/* Print "blksnap: @msg" to stderr, a message made elsewhere; returns 1. */
int cli_fail_text(const char *msg);

/*
 * Print "blksnap: @object: @why; take a full backup" to stderr; returns
 * CLI_EXIT_HISTORY_LOST.
 */
int cli_history_lost(const char *object, const char *why);

#endif /* BLKSNAP_CLI_H */
