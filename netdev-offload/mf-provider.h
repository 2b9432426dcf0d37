/*
 * mf-provider: how megaflower's netdev flow API enters ovs-vswitchd.
 *
 * ovs-vswitchd is linked with -Wl,--wrap=netdev_register_flow_api_provider
 * and -Wl,--wrap=netdev_set_flow_api_enabled (see Makefile.am).  The first
 * wrapper passes every provider through except upstream's 'linux_tc', so
 * that 'megaflower' is the only flow API for Linux ports, whatever order
 * OVS walks its providers in.  The second reads other_config (tc-policy)
 * before OVS acts on it.  megaflower registers itself from a constructor.
 */
#ifndef MF_PROVIDER_H
#define MF_PROVIDER_H 1

struct netdev_flow_api;
struct smap;

extern const struct netdev_flow_api netdev_offload_megaflower;

int __real_netdev_register_flow_api_provider(const struct netdev_flow_api *);
int __wrap_netdev_register_flow_api_provider(const struct netdev_flow_api *);
void __real_netdev_set_flow_api_enabled(const struct smap *);
void __wrap_netdev_set_flow_api_enabled(const struct smap *);

#endif /* mf-provider.h */
