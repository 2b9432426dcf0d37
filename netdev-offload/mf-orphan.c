/* mf-orphan: flows OVS deleted that their backend could not let go
 * (mf-orphan.h). */
#include <config.h>

#include "mf-orphan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "mf-backend.h"
#include "mf-engine-int.h"
#include "mf-flow.h"
#include "mf-place.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "timeval.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mf_orphan);

COVERAGE_DEFINE(mf_orphan_adopted);
COVERAGE_DEFINE(mf_orphan_deleted);

static atomic_llong last_try = 0;

void
mf_orphan_adopt(struct mf_flow_del *op)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct uuid u;

    memcpy(&u, &op->ufid, sizeof u);
    VLOG_WARN_RL(&rl, "flow "UUID_FMT": delete failed (%s): deleted again "
                 "within %d ms, until the kernel lets it go",
                 UUID_ARGS(&u), op->err.msg[0] ? op->err.msg
                 : ovs_strerror(op->error), MF_ORPHAN_RETRY_MS);
    COVERAGE_INC(mf_orphan_adopted);
    mf_place_set_orphan(&op->ufid, true);
    op->error = 0;
    memset(&op->err, 0, sizeof op->err);
    memset(&op->stats, 0, sizeof op->stats);
}

/* Deletes the orphan 'ufid' once more. */
static void
retry_one(const struct mf_ufid *ufid)
{
    int b = mf_place_acquire(ufid);
    struct mf_flow_del op;

    if (b < 0) {
        return;                 /* Gone meanwhile. */
    }
    if (!mf_place_is_orphan(ufid)) {
        mf_place_release(ufid); /* Claimed back by a put. */
        return;
    }
    memset(&op, 0, sizeof op);
    op.ufid = *ufid;
    mf_engine_backend(b)->del(&op, 1);
    if (!op.error || op.error == ENOENT || op.error == ENODEV) {
        COVERAGE_INC(mf_orphan_deleted);
        mf_place_forget(ufid);
    } else {
        mf_place_release(ufid);
    }
}

size_t
mf_orphan_retry(bool now)
{
    long long int t = time_msec(), last;
    struct mf_ufid *ufids;
    size_t n;

    if (!mf_place_n_orphans()) {
        return 0;
    }
    atomic_read_relaxed(&last_try, &last);
    if (!now && t - last < MF_ORPHAN_RETRY_MS) {
        return mf_place_n_orphans();
    }
    atomic_store_relaxed(&last_try, t);
    ufids = mf_place_orphans(&n);
    for (size_t i = 0; i < n; i++) {
        retry_one(&ufids[i]);
    }
    free(ufids);
    return mf_place_n_orphans();
}

size_t
mf_orphan_count(void)
{
    return mf_place_n_orphans();
}
