/*
 * mf-cache-conf: which ports the XDP flow cache serves, and how.
 *
 * Operators choose the cache in OVS's database:
 *   Open_vSwitch other_config:megaflower-cache=xdp|none    (default none)
 *   Interface other_config:megaflower-cache=xdp|none       (overrides it)
 *   Open_vSwitch other_config:megaflower-cache-size=N      (flows per port)
 *   Open_vSwitch other_config:megaflower-cache-xdp-mode=auto|native|generic
 * This module keeps what was set; the cache backend (mf-cache-ops.c) asks
 * it, port by port.  Thread-safe.
 */
#ifndef MF_CACHE_CONF_H
#define MF_CACHE_CONF_H 1

#include <stdbool.h>
#include <stdint.h>

struct smap;

enum mf_cache_xdp_mode {
    MF_CACHE_XDP_AUTO,          /* Native where the driver has it, but
                                 * generic on veth (see mf-cache-ops.c). */
    MF_CACHE_XDP_NATIVE,
    MF_CACHE_XDP_GENERIC,
};

/* What a port gets. */
struct mf_cache_want {
    bool on;                    /* The cache serves it. */
    enum mf_cache_xdp_mode mode;
    uint32_t max_flows;         /* Entries on the port. */
    const char *why_off;        /* If !on: which setting says so. */
};

/* Reads Open_vSwitch's 'other_config'.  Returns true if anything that
 * matters to ports already served changed. */
bool mf_cache_conf_global(const struct smap *other_config);

/* Reads the Interface 'name''s 'other_config' (NULL: the interface is
 * gone).  Returns true if its choice changed. */
bool mf_cache_conf_iface(const char *name, const struct smap *other_config);

void mf_cache_conf_get(const char *name, struct mf_cache_want *);

const char *mf_cache_xdp_mode_name(enum mf_cache_xdp_mode);

#endif /* mf-cache-conf.h */
