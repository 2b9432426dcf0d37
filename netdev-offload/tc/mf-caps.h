/*
 * mf-caps: what the running kernel's tc can do, probed once.
 *
 * Some flower matches exist only in newer kernels (ct_state flags were
 * added one by one).  Rather than let every flow that needs a missing one
 * fail in the kernel, megaflower asks the kernel once, on the first port
 * it serves, by installing and removing a probe filter per feature, and
 * then refuses such flows with a reason ("ct_state +rpl: kernel lacks
 * support").  The results are shown by 'ovs-appctl megaflower/caps'.
 *
 * Until the probe has run, every feature counts as present: the kernel's
 * own refusal (with its extack text) is then the safety net.  The
 * exceptions are tunnel flag matching and tunnel_key's "don't fragment":
 * an older kernel ignores those attributes without a word (flower and
 * tunnel_key parse them liberally), so they count as absent until the
 * probe, which reads its filters back, has found them.
 */
#ifndef MF_CAPS_H
#define MF_CAPS_H 1

#include <stdbool.h>
#include <stdint.h>

struct ds;

struct mf_caps {
    bool probed;                /* False until mf_caps_probe() has run. */
    uint32_t probe_ifindex;     /* The port the probe ran on. */
    uint16_t ct_state_flags;    /* TCA_FLOWER_KEY_CT_FLAGS_* accepted. */
    bool multi_mask_per_prio;   /* Filters of different masks, one prio. */
    bool chains;                /* Filters in chains other than 0. */
    bool shared_blocks;         /* Filters on a tc block shared by ports
                                 * (not used by megaflower yet). */
    bool random_verdicts;       /* gact "random netrand" (CONFIG_GACT_PROB):
                                 * samples taken with a chance below 1. */
    bool enc_flags;             /* Flower matches tunnel flags (df, csum,
                                 * oam, crit): Linux 6.11. */
    bool tunnel_df;             /* tunnel_key sets "don't fragment"
                                 * (TCA_TUNNEL_KEY_NO_FRAG): Linux 6.5. */
    bool psample;               /* The psample generic netlink family is
                                 * registered (its module loaded).
                                 * act_sample could use it, but OVS 3.1
                                 * reads samples from upcalls only, so
                                 * megaflower does not. */
};

const struct mf_caps *mf_caps_get(void);

/* Counts every feature as present, for tests that translate without a
 * kernel. */
void mf_caps_assume_all(void);

/* Probes the kernel with filters at 'hook' of 'ifindex' (which must exist), once per process; later calls do nothing.  The
 * probe filters match only conntrack-tracked packets, which never reach
 * chain 0 of a fresh ingress, and do nothing but continue; they are
 * removed at once. */
void mf_caps_probe(uint32_t ifindex, uint32_t hook);

/* Appends one line per capability. */
void mf_caps_format(struct ds *);

#endif /* mf-caps.h */
