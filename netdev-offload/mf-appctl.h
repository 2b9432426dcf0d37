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
 * Registered once, when hw-offload is first enabled.
 */
#ifndef MF_APPCTL_H
#define MF_APPCTL_H 1

void mf_appctl_register(void);

#endif /* mf-appctl.h */
