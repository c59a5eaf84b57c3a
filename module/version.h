/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's version: what IOCTL_BLKSNAP_VERSION reports and what
 * modinfo shows.  Bumped together with the project version in CMakeLists.txt.
 */
#ifndef __BLKSNAP_VERSION_H
#define __BLKSNAP_VERSION_H

#define BLKSNAP_VERSION_MAJOR		0
#define BLKSNAP_VERSION_MINOR		1
#define BLKSNAP_VERSION_REVISION	0
#define BLKSNAP_VERSION_BUILD		0

#define BLKSNAP_VERSION_STR		"0.1.0"

#endif /* __BLKSNAP_VERSION_H */
