/*
 * mf-appctl: megaflower's ovs-appctl commands.
 *
 *   megaflower/caps   what the kernel's tc was probed to support.
 *   megaflower/flows  each megaflow megaflower was given: offloaded (its
 *                     filter, in hardware or not) or in software (why),
 *                     and how often each reason was given since start.
 *   megaflower/tunnels each encap flow, whether hardware is allowed, and
 *                     the answer for each of its tunnel endpoints (route,
 *                     next hop, MTU, neighbour), with the resolver's
 *                     counters.
 *
 * Registered once, when hw-offload is first enabled.  Another adapter (the
 * dpif provider) may add a section to megaflower/flows.
 */
#ifndef MF_APPCTL_H
#define MF_APPCTL_H 1

struct ds;

void mf_appctl_register(void);
void mf_appctl_add_flows_section(void (*format)(struct ds *));

#endif /* mf-appctl.h */
