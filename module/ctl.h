/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control node /dev/blksnap-control: ioctl dispatch to the rest of the
 * module.  Owned by main.c's init and exit.
 */
#ifndef __BLKSNAP_CTL_H
#define __BLKSNAP_CTL_H

struct kobject;

int ctl_init(void);
/* The control node's sysfs directory, where snapshots are listed. */
struct kobject *ctl_kobject(void);
void ctl_done(void);

#endif /* __BLKSNAP_CTL_H */
