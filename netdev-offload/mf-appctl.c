/* mf-appctl: megaflower's ovs-appctl commands. */
#include <config.h>
#include "mf-appctl.h"

#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "mf-cport.h"
#include "mf-caps.h"
#include "mf-encap.h"
#include "mf-engine.h"
#include "mf-tcb.h"
#include "mf-refusal.h"
#include "mf-shape.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "unixctl.h"
#include "uuid.h"

static void
caps_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_caps_format(&s);
    ds_put_char(&s, '\n');
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

struct offloaded {
    struct sset lines;
    size_t n_in_hw;
};

static void
offloaded_cb(const struct mf_ufid *ufid, const struct mf_filter_loc *id,
             size_t n_filters, bool in_hw, void *aux)
{
    struct offloaded *o = aux;
    char name[IF_NAMESIZE];
    struct uuid u;
    char *line;

    memcpy(&u, ufid, sizeof u);
    if (!if_indextoname(id->ifindex, name)) {
        snprintf(name, sizeof name, "ifindex%"PRIu32, id->ifindex);
    }
    if (n_filters > 1) {
        line = xasprintf("ufid:"UUID_FMT" %s offloaded: %"PRIuSIZE" tc "
                         "filters, split by eth_dst for the host's packet "
                         "types, the first at prio 0x%"PRIx16" handle 0x%"
                         PRIx32" %s", UUID_ARGS(&u), name, n_filters,
                         id->prio, id->handle,
                         in_hw ? "in_hw" : "not_in_hw");
    } else {
        line = xasprintf("ufid:"UUID_FMT" %s offloaded: tc prio 0x%"PRIx16
                         " handle 0x%"PRIx32" %s",
                         UUID_ARGS(&u), name, id->prio,
                         id->handle, in_hw ? "in_hw" : "not_in_hw");
    }
    sset_add_and_free(&o->lines, line);
    o->n_in_hw += in_hw;
}

static void
cached_cb(const struct mf_ufid *ufid, const char *port, const char *mode,
          void *aux)
{
    struct offloaded *o = aux;
    struct uuid u;

    memcpy(&u, ufid, sizeof u);
    sset_add_and_free(&o->lines, xasprintf("ufid:"UUID_FMT" %s offloaded: "
                                           "xdp flow cache (%s)",
                                           UUID_ARGS(&u), port, mode));
}

static void (*flows_section)(struct ds *);

void
mf_appctl_add_flows_section(void (*format)(struct ds *))
{
    flows_section = format;
}

static void
flows_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct offloaded o = { SSET_INITIALIZER(&o.lines), 0 };
    struct ds s = DS_EMPTY_INITIALIZER;
    const char **lines;

    mf_tcb_for_each_flow(offloaded_cb, &o);
    mf_cport_for_each_flow(cached_cb, &o);
    ds_put_format(&s, "offloaded: %"PRIuSIZE" flows, %"PRIuSIZE
                  " of them in hardware\n", sset_count(&o.lines), o.n_in_hw);
    ds_put_format(&s, "read back from the kernel: %s (%"PRIuSIZE" shapes "
                  "proven exact)\n", mf_shape_get_echo_each()
                  ? "every filter (megaflower-verify=each)"
                  : "the first filter of each shape", mf_shape_count());
    lines = sset_sort(&o.lines);
    for (size_t i = 0; i < sset_count(&o.lines); i++) {
        ds_put_format(&s, "%s\n", lines[i]);
    }
    free(lines);
    sset_destroy(&o.lines);

    ds_put_format(&s, "in software: %"PRIuSIZE" flows (the latest %d are "
                  "kept)\n", mf_refusal_n_flows(), MF_REFUSAL_MAX);
    mf_refusal_format_flows(&s);
    ds_put_cstr(&s, "reasons since start:\n");
    mf_refusal_format_reasons(&s);
    if (flows_section) {
        flows_section(&s);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
tunnels_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_encap_format(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cache_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_cport_format(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
backends_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_engine_format(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
mf_appctl_register(void)
{
    static bool registered;

    if (!registered) {
        registered = true;
        unixctl_command_register("megaflower/caps", "", 0, 0, caps_cmd, NULL);
        unixctl_command_register("megaflower/flows", "", 0, 0, flows_cmd,
                                 NULL);
        unixctl_command_register("megaflower/tunnels", "", 0, 0,
                                 tunnels_cmd, NULL);
        unixctl_command_register("megaflower/backends", "", 0, 0,
                                 backends_cmd, NULL);
        unixctl_command_register("megaflower/cache", "", 0, 0, cache_cmd,
                                 NULL);
    }
}
