/* mf-dpif: megaflower's dpif class, over dpif-netlink's (see mf-dpif.h). */
#include <config.h>
#include "mf-dpif.h"
#include "mf-dpif-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpif-provider.h"
#include "mf-appctl.h"
#include "mf-offload.h"
#include "netdev-offload-megaflower.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_dpif);

/* dpif-netlink's class, which lib/dpif.c no longer sees. */
extern const struct dpif_class __real_dpif_netlink_class;

static bool dpif_mode;

static void
queue_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_offload_format_queue(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
mf_dpif_configure(const struct smap *cfg)
{
    static bool applied;
    const char *mode;

    if (applied) {
        return;
    }
    applied = true;
    /* The environment gives a default, for running whole test suites in
     * one mode or the other. */
    mode = smap_get(cfg, "megaflower-mode");
    mode = mode ? mode : getenv("MEGAFLOWER_MODE");
    mode = mode ? mode : "netdev";
    if (!strcmp(mode, "dpif")) {
        dpif_mode = true;
        mf_offload_start(smap_get_uint(cfg, "megaflower-offload-threads", 1),
                         smap_get_ullong(cfg, "megaflower-queue-max",
                                         65536),
                         smap_get_int(cfg, "megaflower-offload-nice", 19));
        mf_appctl_add_flows_section(mf_offload_format_flows);
        unixctl_command_register("megaflower/queue", "", 0, 0, queue_cmd,
                                 NULL);
    } else if (strcmp(mode, "netdev")) {
        VLOG_WARN("megaflower-mode=%s is not dpif or netdev; using netdev",
                  mode);
    }
    /* Debug level: start-up stays quiet on the console (megaflower/queue
     * says which mode is in force). */
    VLOG_DBG("megaflower-mode %s", dpif_mode ? "dpif" : "netdev");
}

void
mf_dpif_reconfigure(const struct smap *cfg)
{
    if (dpif_mode) {
        mf_offload_set_yield_ms(smap_get_uint(cfg,
                                              "megaflower-offload-yield-ms",
                                              1000));
    }
}

bool
mf_dpif_mode_is_dpif(void)
{
    return dpif_mode;
}

static int
mf_enumerate(struct sset *all_dps, const struct dpif_class *class OVS_UNUSED)
{
    return __real_dpif_netlink_class.enumerate(all_dps,
                                               &__real_dpif_netlink_class);
}

static int
mf_open(const struct dpif_class *class, const char *name, bool create,
        struct dpif **dpifp)
{
    struct dpif *inner;
    struct mf_dpif *d;
    int error;

    error = __real_dpif_netlink_class.open(&__real_dpif_netlink_class, name,
                                           create, &inner);
    if (error) {
        return error;
    }
    d = xzalloc(sizeof *d);
    dpif_init(&d->up, class, name, inner->netflow_engine_type,
              inner->netflow_engine_id);
    d->inner = inner;
    *dpifp = &d->up;
    return 0;
}

static void
mf_close(struct dpif *dpif)
{
    struct mf_dpif *d = CONTAINER_OF(dpif, struct mf_dpif, up);

    dpif_uninit(d->inner, true);
    free(d);
}

/* What dpif mode does otherwise. */

static int
mf_flow_flush(struct dpif *dpif)
{
    struct dpif *in = mf_dpif_inner(dpif);

    return (dpif_mode ? mf_dpif_ops_flow_flush(in)
            : in->dpif_class->flow_flush(in));
}

static struct dpif_flow_dump *
mf_flow_dump_create(const struct dpif *dpif, bool terse,
                    struct dpif_flow_dump_types *types)
{
    struct dpif *in = mf_dpif_inner(dpif);

    /* In netdev mode the inner dump is the dump: its 'dpif' is the inner
     * one, so lib/dpif.c calls dpif-netlink for the rest of it. */
    return (dpif_mode ? mf_dpif_ops_dump_create(dpif, terse)
            : in->dpif_class->flow_dump_create(in, terse, types));
}

static void
mf_operate(struct dpif *dpif, struct dpif_op **ops, size_t n_ops,
           enum dpif_offload_type offload_type)
{
    struct dpif *in = mf_dpif_inner(dpif);

    if (dpif_mode) {
        mf_dpif_ops_operate(in, ops, n_ops);
    } else {
        in->dpif_class->operate(in, ops, n_ops, offload_type);
    }
}

/* An Interface's other_config, which bridge.c gives at every
 * reconfiguration (dpif-netlink has no use for it): megaflower reads its
 * choice of backends there. */
static int
mf_port_set_config(struct dpif *dpif, odp_port_t port_no,
                   const struct smap *cfg)
{
    megaflower_port_set_config(dpif_normalize_type(dpif_type(dpif)), port_no,
                               cfg);
    return 0;
}

/* Everything else goes to dpif-netlink as it is. */

#define DELEGATE(RET, NAME, PARAMS, ...)                                \
    static RET                                                          \
    mf_##NAME PARAMS                                                    \
    {                                                                   \
        struct dpif *in = mf_dpif_inner(dpif);                          \
                                                                        \
        return in->dpif_class->NAME(in, ##__VA_ARGS__);                 \
    }
#define DELEGATE_VOID(NAME, PARAMS, ...)                                \
    static void                                                         \
    mf_##NAME PARAMS                                                    \
    {                                                                   \
        struct dpif *in = mf_dpif_inner(dpif);                          \
                                                                        \
        in->dpif_class->NAME(in, ##__VA_ARGS__);                        \
    }

DELEGATE(int, destroy, (struct dpif *dpif))
DELEGATE(bool, run, (struct dpif *dpif))
DELEGATE(int, get_stats, (const struct dpif *dpif, struct dpif_dp_stats *s),
         s)
DELEGATE(int, set_features, (struct dpif *dpif, uint32_t features), features)
DELEGATE(int, port_add, (struct dpif *dpif, struct netdev *netdev,
                         odp_port_t *port_no), netdev, port_no)
DELEGATE(int, port_del, (struct dpif *dpif, odp_port_t port_no), port_no)
DELEGATE(int, port_query_by_number, (const struct dpif *dpif,
                                     odp_port_t port_no,
                                     struct dpif_port *port), port_no, port)
DELEGATE(int, port_query_by_name, (const struct dpif *dpif,
                                   const char *devname,
                                   struct dpif_port *port), devname, port)
DELEGATE(uint32_t, port_get_pid, (const struct dpif *dpif,
                                  odp_port_t port_no), port_no)
DELEGATE(int, port_dump_start, (const struct dpif *dpif, void **statep),
         statep)
DELEGATE(int, port_dump_next, (const struct dpif *dpif, void *state,
                               struct dpif_port *port), state, port)
DELEGATE(int, port_dump_done, (const struct dpif *dpif, void *state), state)
DELEGATE(int, port_poll, (const struct dpif *dpif, char **devnamep),
         devnamep)
DELEGATE_VOID(port_poll_wait, (const struct dpif *dpif))
DELEGATE(int, recv_set, (struct dpif *dpif, bool enable), enable)
DELEGATE(int, handlers_set, (struct dpif *dpif, uint32_t n), n)
DELEGATE(bool, number_handlers_required, (struct dpif *dpif, uint32_t *n), n)
DELEGATE(int, queue_to_priority, (const struct dpif *dpif, uint32_t queue_id,
                                  uint32_t *priority), queue_id, priority)
DELEGATE(int, recv, (struct dpif *dpif, uint32_t handler_id,
                     struct dpif_upcall *upcall, struct ofpbuf *buf),
         handler_id, upcall, buf)
DELEGATE_VOID(recv_wait, (struct dpif *dpif, uint32_t handler_id),
              handler_id)
DELEGATE_VOID(recv_purge, (struct dpif *dpif))
DELEGATE(int, ct_dump_start, (struct dpif *dpif,
                              struct ct_dpif_dump_state **state,
                              const uint16_t *zone, int *ptot_bkts),
         state, zone, ptot_bkts)
DELEGATE(int, ct_dump_next, (struct dpif *dpif,
                             struct ct_dpif_dump_state *state,
                             struct ct_dpif_entry *entry), state, entry)
DELEGATE(int, ct_dump_done, (struct dpif *dpif,
                             struct ct_dpif_dump_state *state), state)
DELEGATE(int, ct_flush, (struct dpif *dpif, const uint16_t *zone,
                         const struct ct_dpif_tuple *tuple), zone, tuple)
DELEGATE(int, ct_set_limits, (struct dpif *dpif, const uint32_t *default_limit,
                              const struct ovs_list *zone_limits),
         default_limit, zone_limits)
DELEGATE(int, ct_get_limits, (struct dpif *dpif, uint32_t *default_limit,
                              const struct ovs_list *zone_limits_in,
                              struct ovs_list *zone_limits_out),
         default_limit, zone_limits_in, zone_limits_out)
DELEGATE(int, ct_del_limits, (struct dpif *dpif,
                              const struct ovs_list *zone_limits),
         zone_limits)
DELEGATE(int, ct_set_timeout_policy, (struct dpif *dpif,
                                      const struct ct_dpif_timeout_policy *tp),
         tp)
DELEGATE(int, ct_get_timeout_policy, (struct dpif *dpif, uint32_t tp_id,
                                      struct ct_dpif_timeout_policy *tp),
         tp_id, tp)
DELEGATE(int, ct_del_timeout_policy, (struct dpif *dpif, uint32_t tp_id),
         tp_id)
DELEGATE(int, ct_timeout_policy_dump_start, (struct dpif *dpif,
                                             void **statep), statep)
DELEGATE(int, ct_timeout_policy_dump_next, (struct dpif *dpif, void *state,
                                            struct ct_dpif_timeout_policy *tp),
         state, tp)
DELEGATE(int, ct_timeout_policy_dump_done, (struct dpif *dpif, void *state),
         state)
DELEGATE(int, ct_get_timeout_policy_name, (struct dpif *dpif, uint32_t tp_id,
                                           uint16_t dl_type, uint8_t nw_proto,
                                           char **tp_name, bool *is_generic),
         tp_id, dl_type, nw_proto, tp_name, is_generic)
DELEGATE(int, ct_get_features, (struct dpif *dpif,
                                enum ct_features *features), features)
DELEGATE_VOID(meter_get_features, (const struct dpif *dpif,
                                   struct ofputil_meter_features *features),
              features)
DELEGATE(int, meter_set, (struct dpif *dpif, ofproto_meter_id meter_id,
                          struct ofputil_meter_config *config),
         meter_id, config)
DELEGATE(int, meter_get, (const struct dpif *dpif, ofproto_meter_id meter_id,
                          struct ofputil_meter_stats *stats,
                          uint16_t n_bands), meter_id, stats, n_bands)
DELEGATE(int, meter_del, (struct dpif *dpif, ofproto_meter_id meter_id,
                          struct ofputil_meter_stats *stats,
                          uint16_t n_bands), meter_id, stats, n_bands)
DELEGATE(int, cache_get_supported_levels, (struct dpif *dpif,
                                           uint32_t *levels), levels)
DELEGATE(int, cache_get_name, (struct dpif *dpif, uint32_t level,
                               const char **name), level, name)
DELEGATE(int, cache_get_size, (struct dpif *dpif, uint32_t level,
                               uint32_t *size), level, size)
DELEGATE(int, cache_set_size, (struct dpif *dpif, uint32_t level,
                               uint32_t size), level, size)

/* The class lib/dpif.c registers as "system".  Members that dpif-netlink
 * leaves NULL are NULL here too (OVS 3.1's dpif-netlink.c). */
struct dpif_class __wrap_dpif_netlink_class = {
    .type = NULL,               /* dpif-netlink's own string: see below. */
    .cleanup_required = false,
    .enumerate = mf_enumerate,
    .open = mf_open,
    .close = mf_close,
    .destroy = mf_destroy,
    .run = mf_run,
    .get_stats = mf_get_stats,
    .set_features = mf_set_features,
    .port_add = mf_port_add,
    .port_del = mf_port_del,
    .port_set_config = mf_port_set_config,
    .port_query_by_number = mf_port_query_by_number,
    .port_query_by_name = mf_port_query_by_name,
    .port_get_pid = mf_port_get_pid,
    .port_dump_start = mf_port_dump_start,
    .port_dump_next = mf_port_dump_next,
    .port_dump_done = mf_port_dump_done,
    .port_poll = mf_port_poll,
    .port_poll_wait = mf_port_poll_wait,
    .flow_flush = mf_flow_flush,
    .flow_dump_create = mf_flow_dump_create,
    .flow_dump_destroy = mf_dpif_ops_dump_destroy,
    .flow_dump_thread_create = mf_dpif_ops_dump_thread_create,
    .flow_dump_thread_destroy = mf_dpif_ops_dump_thread_destroy,
    .flow_dump_next = mf_dpif_ops_dump_next,
    .operate = mf_operate,
    .recv_set = mf_recv_set,
    .handlers_set = mf_handlers_set,
    .number_handlers_required = mf_number_handlers_required,
    .queue_to_priority = mf_queue_to_priority,
    .recv = mf_recv,
    .recv_wait = mf_recv_wait,
    .recv_purge = mf_recv_purge,
    .get_datapath_version = NULL,   /* dpif-netlink's: see below. */
    .ct_dump_start = mf_ct_dump_start,
    .ct_dump_next = mf_ct_dump_next,
    .ct_dump_done = mf_ct_dump_done,
    .ct_flush = mf_ct_flush,
    .ct_set_limits = mf_ct_set_limits,
    .ct_get_limits = mf_ct_get_limits,
    .ct_del_limits = mf_ct_del_limits,
    .ct_set_timeout_policy = mf_ct_set_timeout_policy,
    .ct_get_timeout_policy = mf_ct_get_timeout_policy,
    .ct_del_timeout_policy = mf_ct_del_timeout_policy,
    .ct_timeout_policy_dump_start = mf_ct_timeout_policy_dump_start,
    .ct_timeout_policy_dump_next = mf_ct_timeout_policy_dump_next,
    .ct_timeout_policy_dump_done = mf_ct_timeout_policy_dump_done,
    .ct_get_timeout_policy_name = mf_ct_get_timeout_policy_name,
    .ct_get_features = mf_ct_get_features,
    .meter_get_features = mf_meter_get_features,
    .meter_set = mf_meter_set,
    .meter_get = mf_meter_get,
    .meter_del = mf_meter_del,
    .cache_get_supported_levels = mf_cache_get_supported_levels,
    .cache_get_name = mf_cache_get_name,
    .cache_get_size = mf_cache_get_size,
    .cache_set_size = mf_cache_set_size,
};

/* Before main(), so before lib/dpif.c registers the class: OVS keys its
 * ports by the type string's address (netdev_ports_hash()), and
 * dpif-netlink compares it, so it must be dpif-netlink's own. */
OVS_CONSTRUCTOR(mf_dpif_class_init) {
    __wrap_dpif_netlink_class.type = __real_dpif_netlink_class.type;
    __wrap_dpif_netlink_class.get_datapath_version
        = __real_dpif_netlink_class.get_datapath_version;
}
