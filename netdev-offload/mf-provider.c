/* mf-provider: registration of 'megaflower' and other_config hooks. */
#include <config.h>
#include "mf-provider.h"

#include <string.h>

#include "mf-appctl.h"
#include "mf-cache-conf.h"
#include "mf-dpif.h"
#include "mf-rebalance.h"
#include "mf-tcb.h"
#include "mf-shape.h"
#include "netdev-offload-megaflower.h"
#include "netdev-offload-provider.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_provider);

int
__wrap_netdev_register_flow_api_provider(const struct netdev_flow_api *api)
{
    if (!strcmp(api->type, "linux_tc")) {
        /* megaflower serves every port linux_tc would. */
        VLOG_DBG("flow API 'linux_tc' not registered: megaflower replaces it");
        return 0;
    }
    return __real_netdev_register_flow_api_provider(api);
}

void
__wrap_netdev_set_flow_api_enabled(const struct smap *other_config)
{
    static bool applied;

    /* Like OVS, apply tc-policy once, when offload is first enabled. */
    if (!applied && smap_get_bool(other_config, "hw-offload", false)) {
        const char *s = smap_get(other_config, "tc-policy");
        enum mf_policy p;

        applied = true;
        if (!mf_policy_from_string(s, &p)) {
            VLOG_WARN("tc-policy=%s is not none, skip_sw or skip_hw; using "
                      "none", s);
            p = MF_POLICY_NONE;
        }
        mf_tcb_set_policy(p);

        s = smap_get(other_config, "megaflower-verify");
        if (s && strcmp(s, "shape") && strcmp(s, "each")) {
            VLOG_WARN("megaflower-verify=%s is not shape or each; using "
                      "shape", s);
            s = NULL;
        }
        mf_shape_set_echo_each(s && !strcmp(s, "each"));
        mf_appctl_register();
        mf_dpif_configure(other_config);
        /* Debug level: OVS logs "tc: Using policy" itself, and start-up
         * must stay quiet on the console. */
        VLOG_DBG("megaflower enabled: tc-policy %s, megaflower-verify %s",
                 mf_policy_to_string(p),
                 mf_shape_get_echo_each() ? "each" : "shape");
    }
    mf_dpif_reconfigure(other_config);
    if (applied) {
        mf_rebalance_configure(other_config, megaflower_rebalance_all);
    }
    if (mf_cache_conf_global(other_config) && applied) {
        megaflower_reconfigure_all();
    }
    __real_netdev_set_flow_api_enabled(other_config);
}

OVS_CONSTRUCTOR(mf_provider_register) {
    __real_netdev_register_flow_api_provider(&netdev_offload_megaflower);
}
