/* mf-cache-conf: which ports the XDP flow cache serves (mf-cache-conf.h). */
#include <config.h>

#include "mf-cache-conf.h"

#include <string.h>

#include "mf-cache.h"
#include "openvswitch/shash.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_conf);

/* An interface's own choice. */
enum iface_choice {
    IFACE_UNSET,
    IFACE_NONE,
    IFACE_XDP,
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static bool global_on OVS_GUARDED_BY(mutex);
static enum mf_cache_xdp_mode global_mode OVS_GUARDED_BY(mutex);
static uint32_t global_size OVS_GUARDED_BY(mutex) = MF_CACHE_DEFAULT_FLOWS;
static bool applied OVS_GUARDED_BY(mutex);  /* Read once already. */
static struct shash ifaces OVS_GUARDED_BY(mutex)
    = SHASH_INITIALIZER(&ifaces);     /* Name -> enum iface_choice. */

const char *
mf_cache_xdp_mode_name(enum mf_cache_xdp_mode m)
{
    return m == MF_CACHE_XDP_NATIVE ? "native"
           : m == MF_CACHE_XDP_GENERIC ? "generic" : "auto";
}

/* Parses a megaflower-cache value: true for xdp, false for none.  Warns
 * about anything else (once per new value) and takes it as none. */
static bool
parse_choice(const char *where, const char *s, bool *on)
{
    static char *last_bad;

    if (!s || !strcmp(s, "none")) {
        *on = false;
    } else if (!strcmp(s, "xdp")) {
        *on = true;
    } else {
        if (!last_bad || strcmp(last_bad, s)) {
            VLOG_WARN("%s: megaflower-cache=%s is not xdp or none; using "
                      "none", where, s);
            free(last_bad);
            last_bad = xstrdup(s);
        }
        *on = false;
        return false;
    }
    return true;
}

bool
mf_cache_conf_global(const struct smap *cfg)
{
    const char *m = smap_get(cfg, "megaflower-cache-xdp-mode");
    unsigned long long size;
    enum mf_cache_xdp_mode mode;
    bool on, changed;

    parse_choice("Open_vSwitch", smap_get(cfg, "megaflower-cache"), &on);
    mode = (!m || !strcmp(m, "auto") ? MF_CACHE_XDP_AUTO
            : !strcmp(m, "native") ? MF_CACHE_XDP_NATIVE
            : !strcmp(m, "generic") ? MF_CACHE_XDP_GENERIC
            : MF_CACHE_XDP_AUTO);
    size = smap_get_ullong(cfg, "megaflower-cache-size",
                           MF_CACHE_DEFAULT_FLOWS);
    if (!size || size > MF_CACHE_MAX_FLOWS) {
        size = MF_CACHE_DEFAULT_FLOWS;
    }

    ovs_mutex_lock(&mutex);
    changed = on != global_on || mode != global_mode || size != global_size;
    if (changed || !applied) {
        if (m && mode == MF_CACHE_XDP_AUTO && strcmp(m, "auto")) {
            VLOG_WARN("megaflower-cache-xdp-mode=%s is not auto, native or "
                      "generic; using auto", m);
        }
        /* At start, debug level: start-up stays quiet on the console
         * (megaflower/cache says what is in force). */
        VLOG(applied ? VLL_INFO : VLL_DBG, "flow cache: megaflower-cache=%s, "
             "xdp mode %s, %"PRIu32" flows a port", on ? "xdp" : "none",
             mf_cache_xdp_mode_name(mode), (uint32_t) size);
        applied = true;
    }
    global_on = on;
    global_mode = mode;
    global_size = size;
    ovs_mutex_unlock(&mutex);
    return changed;
}

bool
mf_cache_conf_iface(const char *name, const struct smap *cfg)
{
    const char *s = cfg ? smap_get(cfg, "megaflower-cache") : NULL;
    enum iface_choice choice = IFACE_UNSET;
    uintptr_t old;
    bool on;

    if (s) {
        parse_choice(name, s, &on);
        choice = on ? IFACE_XDP : IFACE_NONE;
    }
    ovs_mutex_lock(&mutex);
    old = (uintptr_t) shash_find_data(&ifaces, name);
    if (choice == IFACE_UNSET) {
        shash_find_and_delete(&ifaces, name);
    } else {
        shash_replace(&ifaces, name, (void *) (uintptr_t) choice);
    }
    ovs_mutex_unlock(&mutex);
    return old != choice;
}

void
mf_cache_conf_get(const char *name, struct mf_cache_want *w)
{
    uintptr_t choice;

    ovs_mutex_lock(&mutex);
    choice = name ? (uintptr_t) shash_find_data(&ifaces, name) : IFACE_UNSET;
    w->mode = global_mode;
    w->max_flows = global_size;
    if (choice == IFACE_UNSET) {
        w->on = global_on;
        w->why_off = "megaflower-cache is none (the default)";
    } else {
        w->on = choice == IFACE_XDP;
        w->why_off = "the interface's other_config:megaflower-cache is none";
    }
    ovs_mutex_unlock(&mutex);
}
