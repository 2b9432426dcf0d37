/* mf-cache-spare: a flow cache program loaded ahead of time
 * (mf-cache-spare.h). */
#include <config.h>

#include "mf-cache-spare.h"

#include "coverage.h"
#include "mf-cache.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_spare);

COVERAGE_DEFINE(mf_cache_spare_loaded);
COVERAGE_DEFINE(mf_cache_spare_used);

/* A leaf: nothing else is taken under it.  The load itself runs with no
 * lock at all. */
static struct ovs_mutex spare_mutex = OVS_MUTEX_INITIALIZER;
static struct mf_cache *spare OVS_GUARDED_BY(spare_mutex);

/* The size mf_cspare_want() asked for, plus one; 0: none asked. */
static atomic_uint64_t wanted = 0;

static uint32_t
size_of(uint32_t max_flows)
{
    return max_flows ? max_flows : MF_CACHE_DEFAULT_FLOWS;
}

void
mf_cspare_fill(uint32_t max_flows)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct mf_cache_opts o = {
        .name = "spare",
        .max_flows = size_of(max_flows),
        .attach = false,
    };
    struct mf_cache *c, *old = NULL;
    struct mf_err err;
    bool have;

    ovs_mutex_lock(&spare_mutex);
    have = spare && mf_cache_loaded_max_flows(spare) == o.max_flows;
    ovs_mutex_unlock(&spare_mutex);
    if (have) {
        return;
    }
    if (mf_cache_open(&o, &c, &err)) {
        /* The port's open will load it again, and report why. */
        VLOG_WARN_RL(&rl, "loading a flow cache program ahead: %s", err.msg);
        return;
    }
    COVERAGE_INC(mf_cache_spare_loaded);
    ovs_mutex_lock(&spare_mutex);
    if (spare && mf_cache_loaded_max_flows(spare) == o.max_flows) {
        old = c;                /* Another thread was quicker. */
    } else {
        old = spare;
        spare = c;
    }
    ovs_mutex_unlock(&spare_mutex);
    mf_cache_close(old);
}

void
mf_cspare_want(uint32_t max_flows)
{
    atomic_store_relaxed(&wanted, (uint64_t) size_of(max_flows) + 1);
}

void
mf_cspare_fill_wanted(void)
{
    uint64_t w;

    atomic_read_relaxed(&wanted, &w);
    if (w && atomic_compare_exchange_strong(&wanted, &w, 0)) {
        mf_cspare_fill(w - 1);
    }
}

struct mf_cache *
mf_cspare_take(uint32_t max_flows)
{
    struct mf_cache *c = NULL;

    ovs_mutex_lock(&spare_mutex);
    if (spare && mf_cache_loaded_max_flows(spare) == size_of(max_flows)) {
        c = spare;
        spare = NULL;
    }
    ovs_mutex_unlock(&spare_mutex);
    if (c) {
        COVERAGE_INC(mf_cache_spare_used);
    }
    return c;
}
