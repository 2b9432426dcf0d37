/* mf-caps: kernel tc capabilities, probed once with real filters. */
#include <config.h>
#include "mf-caps.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_gact.h>
#include <string.h>

#include "mf-tcb.h"
#include "mf-tc.h"
#include "netlink-socket.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_caps);

static struct mf_caps caps = {
    .ct_state_flags = TCA_FLOWER_KEY_CT_FLAGS_NEW
                      | TCA_FLOWER_KEY_CT_FLAGS_ESTABLISHED
                      | TCA_FLOWER_KEY_CT_FLAGS_RELATED
                      | TCA_FLOWER_KEY_CT_FLAGS_TRACKED
                      | TCA_FLOWER_KEY_CT_FLAGS_INVALID
                      | TCA_FLOWER_KEY_CT_FLAGS_REPLY,
    .multi_mask_per_prio = true,
    .chains = true,
    .random_verdicts = true,
};

static const struct {
    uint16_t flag;
    const char *name;
} ct_flags[] = {
    { TCA_FLOWER_KEY_CT_FLAGS_TRACKED,     "trk" },
    { TCA_FLOWER_KEY_CT_FLAGS_NEW,         "new" },
    { TCA_FLOWER_KEY_CT_FLAGS_ESTABLISHED, "est" },
    { TCA_FLOWER_KEY_CT_FLAGS_RELATED,     "rel" },
    { TCA_FLOWER_KEY_CT_FLAGS_INVALID,     "inv" },
    { TCA_FLOWER_KEY_CT_FLAGS_REPLY,       "rpl" },
};

const struct mf_caps *
mf_caps_get(void)
{
    return &caps;
}

void
mf_caps_assume_all(void)
{
    caps.enc_flags = true;
    caps.tunnel_df = true;
}

/* A probe filter: IPv4, ct_state +trk (plus 'ct_extra'), a gact "pipe" that
 * changes nothing, at the probe prio. */
static void
probe_filter(struct mf_filter *f, uint32_t ifindex, uint32_t hook,
             uint32_t chain,
             uint16_t ct_extra, uint32_t dst)
{
    memset(f, 0, sizeof *f);
    f->ifindex = ifindex;
    f->parent = hook;
    f->chain = chain;
    f->prio = MF_PRIO_PROBE;
    f->protocol = htons(ETH_P_IP);
    f->flags = TCA_CLS_FLAGS_SKIP_HW;
    f->key.eth_type = htons(ETH_P_IP);
    f->mask.eth_type = 0xffff;
    f->key.ct_state = TCA_FLOWER_KEY_CT_FLAGS_TRACKED | ct_extra;
    f->mask.ct_state = f->key.ct_state;
    if (dst) {
        f->key.ipv4_dst = dst;
        f->mask.ipv4_dst = htonl(0xffffffff);
    }
    f->n_acts = 1;
    f->acts[0].kind = MF_ACT_GACT;
    f->acts[0].gact.verdict = TC_ACT_PIPE;
}

/* Installs 'f' (and so its handle), returns whether the kernel took it. */
static bool
probe_put(struct mf_filter *f, uint32_t handle, const char *what)
{
    struct mf_err err = { 0 };
    int error;

    f->handle = handle;
    error = mf_tc_filter_put(f, false, NULL, &err);
    if (error) {
        VLOG_INFO("probe %s: not supported: %s", what, err.msg);
    }
    return !error;
}

static void
probe_del(const struct mf_filter *f)
{
    struct mf_err err = { 0 };

    if (mf_tc_filter_del(f, &err) && err.error != ENOENT) {
        VLOG_WARN("probe filter prio %#x handle %#x on ifindex %u: could not "
                  "remove it: %s", f->prio, f->handle, f->ifindex,
                  err.msg);
    }
}

/* Installs 'f' and reads it back: an older kernel ignores attributes it
 * does not know (flower and tunnel_key parse them liberally), so only
 * what it echoes counts.  Returns whether 'same' says the copy read back
 * kept what was asked for. */
static bool
probe_read_back(struct mf_filter *f, const char *what,
                bool (*same)(const struct mf_filter *sent,
                             const struct mf_filter *got))
{
    struct mf_filter *got = xmalloc(sizeof *got);
    struct mf_err err = { 0 };
    bool ok = false;

    if (probe_put(f, 1, what)) {
        if (mf_tc_filter_get(f, got, &err)) {
            VLOG_INFO("probe %s: cannot read it back: %s", what, err.msg);
        } else if (!(ok = same(f, got))) {
            VLOG_INFO("probe %s: not supported: the kernel ignored it",
                      what);
        }
        probe_del(f);
    }
    free(got);
    return ok;
}

static bool
same_enc_flags(const struct mf_filter *sent, const struct mf_filter *got)
{
    return got->mask.enc_flags == sent->mask.enc_flags
           && got->key.enc_flags == sent->key.enc_flags;
}

static bool
same_tunnel_df(const struct mf_filter *sent OVS_UNUSED,
               const struct mf_filter *got)
{
    return got->n_acts >= 1 && got->acts[0].kind == MF_ACT_TUNNEL
           && got->acts[0].tunnel.df;
}

/* Whether the kernel knows shared tc blocks.  Asks for a filter on a block
 * that does not exist: a kernel with blocks says so ("Block of given index
 * was not found"), one without looks for a device with the magic ifindex
 * and says ENODEV.  Nothing is created. */
static bool
probe_blocks(void)
{
    struct mf_filter id, out;
    struct mf_err err = { 0 };
    int error;

    mf_filter_clear(&id);
    id.ifindex = TCM_IFINDEX_MAGIC_BLOCK;
    id.parent = 0x4d4d4dfe;             /* The block index. */
    id.prio = MF_PRIO_PROBE;
    id.protocol = htons(ETH_P_IP);
    id.handle = 1;
    error = mf_tc_filter_get(&id, &out, &err);
    if (error) {
        VLOG_DBG("probe shared blocks: %s", err.msg);
    }
    return error != ENODEV;
}

void
mf_caps_probe(uint32_t ifindex, uint32_t hook)
{
    static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
    struct mf_filter f, g;
    int psample_family;
    uint16_t flags = 0;

    ovs_mutex_lock(&mutex);
    if (caps.probed) {
        ovs_mutex_unlock(&mutex);
        return;
    }

    for (size_t i = 0; i < ARRAY_SIZE(ct_flags); i++) {
        uint16_t extra = ct_flags[i].flag & ~TCA_FLOWER_KEY_CT_FLAGS_TRACKED;
        char what[32];

        snprintf(what, sizeof what, "ct_state +%s", ct_flags[i].name);
        probe_filter(&f, ifindex, hook, 0, extra, 0);
        if (probe_put(&f, 1, what)) {
            flags |= ct_flags[i].flag;
            probe_del(&f);
        }
    }
    caps.ct_state_flags = flags;

    /* Two masks in one prio: ipv4_dst exact, then none. */
    probe_filter(&f, ifindex, hook, 0, 0, htonl(0x7f000001));
    if (probe_put(&f, 1, "first mask")) {
        probe_filter(&g, ifindex, hook, 0, 0, 0);
        caps.multi_mask_per_prio = probe_put(&g, 2, "second mask in a prio");
        if (caps.multi_mask_per_prio) {
            probe_del(&g);
        }
        probe_del(&f);
    } else {
        caps.multi_mask_per_prio = false;
    }

    probe_filter(&f, ifindex, hook, 1, 0, 0);
    caps.chains = probe_put(&f, 1, "chain 1");
    if (caps.chains) {
        probe_del(&f);
    }

    probe_filter(&f, ifindex, hook, 0, 0, 0);
    f.acts[0].gact.ptype = PGACT_NETRAND;
    f.acts[0].gact.pval = 2;
    f.acts[0].gact.paction = TC_ACT_PIPE;
    caps.random_verdicts = probe_put(&f, 1, "gact random verdict");
    if (caps.random_verdicts) {
        probe_del(&f);
    }

    probe_filter(&f, ifindex, hook, 0, 0, 0);
    f.key.enc_flags = htonl(MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT);
    f.mask.enc_flags = htonl(MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT
                             | MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM);
    caps.enc_flags = probe_read_back(&f, "tunnel flags match",
                                     same_enc_flags);

    probe_filter(&f, ifindex, hook, 0, 0, 0);
    f.n_acts = 2;
    f.acts[1] = f.acts[0];
    memset(&f.acts[0], 0, sizeof f.acts[0]);
    f.acts[0].kind = MF_ACT_TUNNEL;
    f.acts[0].tunnel.family = AF_INET;
    memcpy(f.acts[0].tunnel.dst, "\x7f\x00\x00\x01", 4);
    f.acts[0].tunnel.ttl = 64;
    f.acts[0].tunnel.df = true;
    caps.tunnel_df = probe_read_back(&f, "tunnel_key df", same_tunnel_df);

    caps.shared_blocks = probe_blocks();
    caps.psample = !nl_lookup_genl_family("psample", &psample_family);
    caps.probe_ifindex = ifindex;
    caps.probed = true;
    ovs_mutex_unlock(&mutex);

    struct ds s = DS_EMPTY_INITIALIZER;
    mf_caps_format(&s);
    VLOG_INFO("kernel tc capabilities (probed on ifindex %"PRIu32"): %s",
              ifindex, ds_cstr(&s));
    ds_destroy(&s);
}

void
mf_caps_format(struct ds *s)
{
    if (!caps.probed) {
        ds_put_cstr(s, "not probed yet (no port with hw-offload); ");
    }
    ds_put_cstr(s, "ct_state flags:");
    for (size_t i = 0; i < ARRAY_SIZE(ct_flags); i++) {
        if (caps.ct_state_flags & ct_flags[i].flag) {
            ds_put_format(s, " +%s", ct_flags[i].name);
        }
    }
    ds_put_format(s, "; multi-mask per prio: %s; chains: %s; "
                  "shared blocks: %s; random verdicts (sample): %s; "
                  "tunnel flags match: %s; tunnel_key df: %s; "
                  "psample family: %s",
                  caps.multi_mask_per_prio ? "yes" : "no",
                  caps.chains ? "yes" : "no",
                  caps.shared_blocks ? "yes (not used)" : "no",
                  caps.random_verdicts ? "yes" : "no",
                  caps.enc_flags ? "yes" : "no",
                  caps.tunnel_df ? "yes" : "no",
                  caps.psample ? "registered (not used)"
                               : "not registered (not used)");
}
