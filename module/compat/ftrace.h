/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Redirecting a traced call from an ftrace handler registered with
 * SAVE_REGS and IPMODIFY.
 */
#ifndef __BLKSNAP_COMPAT_FTRACE_H
#define __BLKSNAP_COMPAT_FTRACE_H

#include <linux/ftrace.h>
#include "compat/compat.h"

static __always_inline void compat_ftrace_set_ip(struct ftrace_regs *fregs,
						 unsigned long ip)
{
#ifdef HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER
	ftrace_regs_set_instruction_pointer(fregs, ip);
#else
	ftrace_instruction_pointer_set(fregs, ip);
#endif
}

#endif /* __BLKSNAP_COMPAT_FTRACE_H */
