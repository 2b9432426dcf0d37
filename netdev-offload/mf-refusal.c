/* mf-refusal: the megaflows megaflower left in software, and why. */
#include <config.h>
#include "mf-refusal.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "mf-tcb.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "ovs-thread.h"
#include "util.h"
#include "uuid.h"

struct refused_flow {
    struct hmap_node node;      /* In 'flows', by ufid. */
    struct ovs_list age;        /* In 'ages', oldest first. */
    struct mf_ufid ufid;
    char *port;
    char *reason;
    bool by_kernel;
};

struct reason_count {
    struct hmap_node node;      /* In 'reasons', by hash of 'reason'. */
    char *reason;
    unsigned long long int n;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap flows OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&flows);
static struct ovs_list ages OVS_GUARDED_BY(mutex)
    = OVS_LIST_INITIALIZER(&ages);
static struct hmap reasons OVS_GUARDED_BY(mutex)
    = HMAP_INITIALIZER(&reasons);
static unsigned long long int n_other OVS_GUARDED_BY(mutex);

static struct refused_flow *
find(const struct mf_ufid *ufid) OVS_REQUIRES(mutex)
{
    struct refused_flow *rf;

    HMAP_FOR_EACH_WITH_HASH (rf, node, mf_ufid_hash(ufid), &flows) {
        if (!memcmp(&rf->ufid, ufid, sizeof *ufid)) {
            return rf;
        }
    }
    return NULL;
}

static void
remove_flow(struct refused_flow *rf) OVS_REQUIRES(mutex)
{
    hmap_remove(&flows, &rf->node);
    ovs_list_remove(&rf->age);
    free(rf->port);
    free(rf->reason);
    free(rf);
}

static void
count_reason(const char *reason) OVS_REQUIRES(mutex)
{
    uint32_t hash = hash_string(reason, 0);
    struct reason_count *rc;

    HMAP_FOR_EACH_WITH_HASH (rc, node, hash, &reasons) {
        if (!strcmp(rc->reason, reason)) {
            rc->n++;
            return;
        }
    }
    if (hmap_count(&reasons) >= MF_REFUSAL_MAX_REASONS) {
        n_other++;
        return;
    }
    rc = xmalloc(sizeof *rc);
    rc->reason = xstrdup(reason);
    rc->n = 1;
    hmap_insert(&reasons, &rc->node, hash);
}

void
mf_refusal_record(const struct mf_ufid *ufid, const char *port,
                  const char *reason, bool by_kernel)
{
    struct refused_flow *rf;

    ovs_mutex_lock(&mutex);
    count_reason(reason);
    rf = find(ufid);
    if (rf) {
        remove_flow(rf);
    } else if (hmap_count(&flows) >= MF_REFUSAL_MAX) {
        remove_flow(CONTAINER_OF(ovs_list_front(&ages), struct refused_flow,
                                 age));
    }
    rf = xmalloc(sizeof *rf);
    rf->ufid = *ufid;
    rf->port = xstrdup(port);
    rf->reason = xstrdup(reason);
    rf->by_kernel = by_kernel;
    hmap_insert(&flows, &rf->node, mf_ufid_hash(ufid));
    ovs_list_push_back(&ages, &rf->age);
    ovs_mutex_unlock(&mutex);
}

void
mf_refusal_forget(const struct mf_ufid *ufid)
{
    struct refused_flow *rf;

    ovs_mutex_lock(&mutex);
    rf = find(ufid);
    if (rf) {
        remove_flow(rf);
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_refusal_forget_port(const char *port)
{
    struct refused_flow *rf;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (rf, node, &flows) {
        if (!strcmp(rf->port, port)) {
            remove_flow(rf);
        }
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_refusal_format_flows(struct ds *s)
{
    struct refused_flow *rf;

    ovs_mutex_lock(&mutex);
    LIST_FOR_EACH (rf, age, &ages) {
        struct uuid u;

        memcpy(&u, &rf->ufid, sizeof u);
        ds_put_format(s, "ufid:"UUID_FMT" %s software: %s%s\n",
                      UUID_ARGS(&u), rf->port,
                      rf->by_kernel ? "kernel: " : "", rf->reason);
    }
    ovs_mutex_unlock(&mutex);
}

static int
compare_counts(const void *a_, const void *b_)
{
    const struct reason_count *const *a = a_, *const *b = b_;

    return ((*a)->n != (*b)->n ? ((*a)->n < (*b)->n ? 1 : -1)
            : strcmp((*a)->reason, (*b)->reason));
}

void
mf_refusal_format_reasons(struct ds *s)
{
    const struct reason_count **sorted;
    const struct reason_count *rc;
    size_t n = 0;

    ovs_mutex_lock(&mutex);
    sorted = xmalloc((hmap_count(&reasons) + 1) * sizeof *sorted);
    HMAP_FOR_EACH (rc, node, &reasons) {
        sorted[n++] = rc;
    }
    qsort(sorted, n, sizeof *sorted, compare_counts);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "%8llu  %s\n", sorted[i]->n, sorted[i]->reason);
    }
    if (n_other) {
        ds_put_format(s, "%8llu  (more than %d distinct reasons: the rest)\n",
                      n_other, MF_REFUSAL_MAX_REASONS);
    }
    ovs_mutex_unlock(&mutex);
    free(sorted);
}

size_t
mf_refusal_n_flows(void)
{
    size_t n;

    ovs_mutex_lock(&mutex);
    n = hmap_count(&flows);
    ovs_mutex_unlock(&mutex);
    return n;
}
