/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Redirecting a traced call from an ftrace handler registered with
 * SAVE_REGS and IPMODIFY.
 */
#ifndef __BLKSNAP_COMPAT_FTRACE_H
#define __BLKSNAP_COMPAT_FTRACE_H

#include <linux/ftrace.h>
#include "compat/compat.h"

/* IPMODIFY needs the registers saved at the traced call. */
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "blksnap: CONFIG_DYNAMIC_FTRACE_WITH_REGS is not set; the bio hook needs it"
#endif
/*
 * Only an arch with HAVE_DYNAMIC_FTRACE_WITH_ARGS lets a handler set the
 * instruction pointer in ftrace_regs; elsewhere linux/ftrace.h defines the
 * setters as no-ops, and a module built on them would hook
 * submit_bio_noacct() without ever redirecting it.  arm64 6.1 has only
 * DYNAMIC_FTRACE_WITH_REGS and stops here; from 6.2 arm64 has the ARGS
 * variant but not DYNAMIC_FTRACE_WITH_REGS, and stops at the check above.
 */
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#error "blksnap: ftrace here cannot redirect a call (no HAVE_DYNAMIC_FTRACE_WITH_ARGS)"
#elif !defined(HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER) && \
	!defined(HAVE_FTRACE_INSTRUCTION_POINTER_SET)
#error "blksnap: no API to redirect a traced call found; see module/compat/README"
#endif

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
