/*
 * mf-cache-rt: whether this kernel may interleave two runs of the XDP
 * flow cache's program on one CPU, which the program does not allow.
 *
 * The program masks a packet's key into a per-CPU map before each
 * subtable's lookup, and adds to per-CPU counters without atomics: both
 * assume that a run on a CPU ends before the next one there begins.  The
 * kernel runs XDP with bottom halves disabled, which on a kernel without
 * PREEMPT_RT disables preemption.  A PREEMPT_RT kernel keeps the section
 * preemptible: with CONFIG_PREEMPT_RT_NEEDS_BH_LOCK (and before that
 * option existed) a per-CPU lock still serialises such sections, but
 * without it local_bh_disable() is migrate_disable() only, and a run can
 * be preempted by another on its CPU (the kernel's own per-CPU devmap
 * queue raced the same way).  There a clobbered masked key could give a
 * false hit, so the cache is refused, with that reason.
 */
#ifndef MF_CACHE_RT_H
#define MF_CACHE_RT_H 1

#include <stdbool.h>
#include <stddef.h>

/* Whether a kernel whose /sys/kernel/realtime is the file 'realtime' and
 * whose build configuration is the file 'config' (either may be missing)
 * may interleave two runs on a CPU.  If so, says why in 'why'.  A
 * PREEMPT_RT kernel whose configuration cannot be read counts as one that
 * may. */
bool mf_cache_rt_interleaves(const char *realtime, const char *config,
                             char *why, size_t why_size);

/* Whether the running kernel is PREEMPT_RT (its /sys/kernel/realtime),
 * found once. */
bool mf_cache_rt_kernel(void);

/* mf_cache_rt_interleaves() for the running kernel (/boot/config-RELEASE),
 * found once.  Returns NULL if it does not interleave runs, else the
 * reason. */
const char *mf_cache_rt_refusal(void);

#endif /* mf-cache-rt.h */
