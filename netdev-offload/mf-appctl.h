/*
 * mf-appctl: megaflower's ovs-appctl commands.
 *
 *   megaflower/caps   what the kernel's tc was probed to support.
 *
 * Registered once, when hw-offload is first enabled.
 */
#ifndef MF_APPCTL_H
#define MF_APPCTL_H 1

void mf_appctl_register(void);

#endif /* mf-appctl.h */
