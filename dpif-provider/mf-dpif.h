/*
 * mf-dpif: megaflower's dpif provider, over the kernel datapath.
 *
 * ovs-vswitchd is linked with -Wl,--wrap=dpif_netlink_class: lib/dpif.c,
 * the only user of that symbol outside dpif-netlink, registers
 * megaflower's class instead, under the same type ("system", the very
 * same string, since OVS keys its ports by the type's pointer).  So every
 * datapath_type=system bridge gets it, with no change to its
 * configuration.  Each dpif of this class holds an inner dpif-netlink and
 * passes every call to it, except where megaflower works at the dpif
 * layer:
 *
 *   megaflower-mode=netdev (the default): nothing else; offload is the
 *     netdev-offload provider's, as dpif-netlink calls it.
 *   megaflower-mode=dpif (with hw-offload=true): flows go to the kernel
 *     datapath at once, in the caller's batch, never through dpif-netlink's
 *     offload; their offload to tc is queued to megaflower's threads
 *     (mf-offload.h); deletes and modifies remove the offload first; gets
 *     and dumps report one flow per ufid with the kernel's counters plus
 *     tc's, and dp layer "tc" once offloaded.
 */
#ifndef MF_DPIF_H
#define MF_DPIF_H 1

#include <stdbool.h>

struct smap;

/* Reads megaflower-mode, megaflower-offload-threads, megaflower-queue-max
 * and megaflower-offload-nice from other_config when offload is first enabled
 * (once, as OVS does with hw-offload).  Without megaflower-mode, the
 * environment variable MEGAFLOWER_MODE gives it (for test suites).  Logs
 * what it chose. */
void mf_dpif_configure(const struct smap *other_config);

/* Reads what may change at any time, at each change of other_config:
 * megaflower-offload-yield-ms (mf_offload_set_yield_ms()). */
void mf_dpif_reconfigure(const struct smap *other_config);

/* Whether dpif mode is on. */
bool mf_dpif_mode_is_dpif(void);

#endif /* mf-dpif.h */
