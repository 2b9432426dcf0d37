/*
 * mf-dpif-int: what the dpif provider's files share: the class and its
 * delegation (mf-dpif.c), dpif mode's operations and dumps
 * (mf-dpif-ops.c).
 */
#ifndef MF_DPIF_INT_H
#define MF_DPIF_INT_H 1

#include <stddef.h>

#include "dpif-provider.h"

/* One dpif of megaflower's class: the kernel datapath's, within. */
struct mf_dpif {
    struct dpif up;
    struct dpif *inner;         /* Of dpif-netlink's class. */
};

static inline struct dpif *
mf_dpif_inner(const struct dpif *dpif)
{
    return CONTAINER_OF(dpif, struct mf_dpif, up)->inner;
}

/* dpif mode (mf-dpif-ops.c). */
void mf_dpif_ops_operate(struct dpif *inner, struct dpif_op **, size_t n);
int mf_dpif_ops_flow_flush(struct dpif *inner);
struct dpif_flow_dump *mf_dpif_ops_dump_create(const struct dpif *outer,
                                               bool terse);
int mf_dpif_ops_dump_destroy(struct dpif_flow_dump *);
struct dpif_flow_dump_thread *mf_dpif_ops_dump_thread_create(
    struct dpif_flow_dump *);
void mf_dpif_ops_dump_thread_destroy(struct dpif_flow_dump_thread *);
int mf_dpif_ops_dump_next(struct dpif_flow_dump_thread *,
                          struct dpif_flow *, int max_flows);

#endif /* mf-dpif-int.h */
