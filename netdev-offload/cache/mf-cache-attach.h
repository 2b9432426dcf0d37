/*
 * mf-cache-attach: the flow cache's program on a device's XDP hook.
 *
 * Chooses the XDP mode for a device and attaches the program there;
 * finds a flow cache that an earlier run of megaflower left (a crash
 * leaves XDP programs attached), to remove it or to put a new one in its
 * place (mf-cache-adopt.h); never touches another tool's program.
 *
 * The mode: a driver's own (native) XDP runs before the kernel builds an
 * skb, and is the fast one; generic XDP runs on the skb, on any device.
 * 'auto' takes native where the driver has it, except on veth: native XDP
 * on a veth takes GSO away from its peer (a container's interface) and
 * caps the peer's MTU, and a frame redirected into a veth is dropped
 * unless the veth's peer runs XDP or GRO.  Generic XDP has neither
 * effect.  A device that strips VLAN tags into the skb (rx-vlan-offload)
 * would show tagged frames to XDP as untagged: it is refused, naming the
 * ethtool command that turns the offload off.
 */
#ifndef MF_CACHE_ATTACH_H
#define MF_CACHE_ATTACH_H 1

#include <stdint.h>

#include "mf-cache-conf.h"
#include "mf-nl.h"

enum mf_cache_attach {
    MF_CACHE_DETACHED,          /* Loaded only (the tests). */
    MF_CACHE_NATIVE,            /* In the driver. */
    MF_CACHE_GENERIC,           /* In the kernel's generic XDP hook. */
};

const char *mf_cache_attach_name(enum mf_cache_attach);

/* Attaches program 'prog_fd' to device 'ifindex' ('name' for messages) in
 * 'mode', first removing a flow cache an earlier run left there.  Sets
 * '*attach' to the mode it runs in and 'why' to a phrase saying why that
 * mode (static storage).  Returns 0 or a positive errno with the reason in
 * 'err'. */
int mf_cache_attach(uint32_t ifindex, const char *name, int prog_fd,
                    enum mf_cache_xdp_mode mode, enum mf_cache_attach *attach,
                    const char **why, struct mf_err *err);

/* The flow cache an earlier run left on 'ifindex': its program's fd in
 * '*prog_fd' (the caller's to close; -1 if there is none) and how it is
 * attached.  EBUSY if another tool's program is there. */
int mf_cache_attach_leftover(uint32_t ifindex, const char *name,
                             int *prog_fd, enum mf_cache_attach *attach,
                             struct mf_err *err);

/* Removes the flow cache an earlier run left on 'ifindex', if any. */
int mf_cache_attach_clear(uint32_t ifindex, const char *name,
                          struct mf_err *err);

/* Attaches 'prog_fd' in the place of 'old_fd', attached in mode 'old', in
 * one step: each packet meets one program or the other. */
int mf_cache_attach_replace(uint32_t ifindex, const char *name, int prog_fd,
                            int old_fd, enum mf_cache_attach old,
                            struct mf_err *err);

/* Detaches program 'prog_fd' from 'ifindex' if it is still there. */
void mf_cache_detach(uint32_t ifindex, const char *name, int prog_fd,
                     enum mf_cache_attach);

/* Whether device 'name' is a veth (false if it cannot tell). */
bool mf_cache_is_veth(const char *name);

#endif /* mf-cache-attach.h */
