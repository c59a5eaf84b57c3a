// SPDX-License-Identifier: GPL-2.0
/* Must always compile: tells a broken build tree from a missing API. */
#include <linux/module.h>

MODULE_LICENSE("GPL");
