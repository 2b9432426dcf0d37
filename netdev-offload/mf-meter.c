/* mf-meter: OpenFlow meters as shared tc police actions. */
#include <config.h>
#include "mf-meter.h"

#include <errno.h>

#include "hash.h"
#include "mf-tc.h"
#include "netdev-linux.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_meter);

struct meter {
    struct hmap_node node;
    uint32_t id;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap meters OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&meters);

static struct meter *
find(uint32_t id) OVS_REQUIRES(mutex)
{
    struct meter *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, hash_int(id, 0), &meters) {
        if (m->id == id) {
            return m;
        }
    }
    return NULL;
}

void
mf_meter_register(uint32_t id)
{
    ovs_mutex_lock(&mutex);
    if (!find(id)) {
        struct meter *m = xmalloc(sizeof *m);

        m->id = id;
        hmap_insert(&meters, &m->node, hash_int(id, 0));
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_meter_unregister(uint32_t id)
{
    struct meter *m;

    ovs_mutex_lock(&mutex);
    m = find(id);
    if (m) {
        hmap_remove(&meters, &m->node);
        free(m);
    }
    ovs_mutex_unlock(&mutex);
}

bool
mf_meter_to_index(uint32_t id, uint32_t *index)
{
    bool found;

    ovs_mutex_lock(&mutex);
    found = id <= MF_METER_ID_MAX && find(id);
    ovs_mutex_unlock(&mutex);
    *index = MF_METER_INDEX_BASE + id;
    return found;
}

bool
mf_meter_from_index(uint32_t index, uint32_t *id)
{
    *id = index - MF_METER_INDEX_BASE;
    return index >= MF_METER_INDEX_BASE
           && index - MF_METER_INDEX_BASE <= MF_METER_ID_MAX;
}

int
mf_meter_set(uint32_t id, const struct ofputil_meter_config *config,
             struct ds *reason)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const struct ofputil_meter_band *band = config->bands;
    bool kbps = config->flags & OFPMF13_KBPS;
    struct mf_err err;
    uint32_t burst;
    bool exists;
    int error;

    if (id > MF_METER_ID_MAX) {
        ds_put_format(reason, "meter %"PRIu32": id above %#x", id,
                      MF_METER_ID_MAX);
        return EOPNOTSUPP;
    }
    if (config->n_bands != 1 || band->type != OFPMBT13_DROP) {
        ds_put_format(reason, "meter %"PRIu32": tc police runs one drop band "
                      "only", id);
        return EOPNOTSUPP;
    }
    if (!kbps && !(config->flags & OFPMF13_PKTPS)) {
        ds_put_format(reason, "meter %"PRIu32": neither kbps nor pktps", id);
        return EOPNOTSUPP;
    }
    /* The burst the kernel datapath's meter gets (dpif-netlink). */
    burst = config->flags & OFPMF13_BURST ? band->burst_size : band->rate;

    /* It may be there from an earlier run: then it is changed, not added
     * (adding would fail, and OVS's code would log that as an error). */
    error = mf_tc_action_exists("police", MF_METER_INDEX_BASE + id, &exists,
                                &err);
    if (!error) {
        error = tc_add_policer_action(MF_METER_INDEX_BASE + id,
                                      kbps ? band->rate : 0,
                                      kbps ? burst : 0,
                                      kbps ? 0 : band->rate,
                                      kbps ? 0 : burst, exists);
    }
    if (error) {
        ds_put_format(reason, "meter %"PRIu32": kernel: %s", id,
                      ovs_strerror(error));
        VLOG_WARN_RL(&rl, "%s", ds_cstr(reason));
        mf_meter_unregister(id);
        return error;
    }
    mf_meter_register(id);
    return 0;
}

int
mf_meter_get(uint32_t id, struct ofputil_meter_stats *stats)
{
    uint32_t index;

    if (!mf_meter_to_index(id, &index)) {
        return ENOENT;
    }
    return tc_get_policer_action(index, stats);
}

int
mf_meter_del(uint32_t id, struct ofputil_meter_stats *stats)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    uint32_t index;

    if (!mf_meter_to_index(id, &index)) {
        return ENOENT;
    }
    mf_meter_unregister(id);
    /* OVS deletes a meter right after the flows that used it, and the
     * kernel unbinds a deleted filter's policer only after an RCU grace
     * period: until then deleting the policer fails (EPERM, logged by
     * OVS as an error).  Wait for the binding to go, briefly. */
    for (int i = 0; i < 40; i++) {
        struct mf_err err;
        uint32_t bindcnt;

        if (mf_tc_police_bindcnt(index, &bindcnt, &err) || !bindcnt) {
            break;
        }
        if (i == 39) {
            VLOG_WARN_RL(&rl, "meter %"PRIu32": its tc police action %#"
                         PRIx32" is still used by %"PRIu32" filters",
                         id, index, bindcnt);
            return EBUSY;
        }
        xnanosleep(5 * 1000 * 1000);
    }
    return tc_del_policer_action(index, stats);
}
