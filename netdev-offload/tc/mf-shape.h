/*
 * mf-shape: which filter requests the kernel has been seen to store exactly.
 *
 * megaflower offloads a megaflow only if the kernel stores its filter
 * exactly as asked.  The kernel's echo of a new filter (NLM_F_ECHO) proves
 * that, at the price of a full dump of the filter per insertion: about half
 * of what an insertion costs the kernel.  Most of a filter's bytes are
 * values the kernel copies in and dumps back untouched whatever they are
 * (addresses, ports, MACs, an output's ifindex, a pushed VLAN id, the
 * cookie): it treats two filters that differ only in such values alike.
 *
 * A request's shape is the request with those verbatim values left out:
 * the device, hook, prio and protocol; then each attribute's type and
 * length, nested, with the bytes of every attribute (or part of one) that
 * is not declared verbatim.  The first filter of each shape is installed
 * with an echo and compared with the request; once one was stored exactly,
 * its shape is proven, and filters of that shape are installed with an
 * acknowledgement only.  Every attribute is non-verbatim unless declared
 * so: a flower field by its row in mf_flower_fields[] (MF_FF_VERBATIM), an
 * action's options by its kind's 'verbatim' list (struct mf_act_ops).
 * Each declaration rests on a reading of the kernel's code (net/sched/
 * cls_flower.c, act_*.c; see docs/design.md), and the kernel round trip of
 * random megaflows (tests/mf-krt.c) checks them against the kernel.
 *
 * Thread-safe.
 */
#ifndef MF_SHAPE_H
#define MF_SHAPE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* The largest shape kept: a request's shape is never longer than the
 * request (MF_MSG_SIZE). */
#define MF_SHAPE_MAX 8192

/* Bytes of an attribute's payload that the kernel stores and dumps back
 * verbatim, whatever their value: from 'ofs', 'len' bytes (0: to the end
 * of the payload), repeated every 'stride' bytes (0: once). */
struct mf_verbatim {
    uint16_t type;
    uint16_t ofs;
    uint16_t len;
    uint16_t stride;
};

/* Writes the shape of the RTM_NEWTFILTER request 'nlh' into 'shape'
 * (MF_SHAPE_MAX bytes) and returns its length, or 0 if it has none (not a
 * flower filter request, or malformed). */
size_t mf_shape_of(const struct nlmsghdr *nlh, uint8_t *shape);

/* Calls 'cb' for each run of bytes of 'nlh' that its shape leaves out as
 * verbatim, in attribute 'a' (of an action of kind 'ops', NULL outside
 * actions): for tests that put random values there. */
struct mf_act_ops;
struct nlattr;
typedef void mf_shape_verbatim_cb(void *bytes, size_t n,
                                  const struct nlattr *a,
                                  const struct mf_act_ops *ops, void *aux);
void mf_shape_for_each_verbatim(const struct nlmsghdr *nlh,
                                mf_shape_verbatim_cb *, void *aux);

/* Whether a filter of 'shape' was stored exactly before. */
bool mf_shape_is_proven(const uint8_t *shape, size_t len);

/* Records that a filter of 'shape' was stored exactly. */
void mf_shape_prove(const uint8_t *shape, size_t len);

/* Forgets the shapes proven on device 'ifindex' (it was set up anew), or
 * all of them with 'ifindex' 0. */
void mf_shape_forget(uint32_t ifindex);

/* How many shapes are proven, and how many times mf_shape_is_proven()
 * said yes (a filter installed without an echo). */
size_t mf_shape_count(void);
uint64_t mf_shape_n_hits(void);

/* Whether megaflower asks for an echo of every filter ('each') or of the
 * first of each shape (the default). */
void mf_shape_set_echo_each(bool);
bool mf_shape_get_echo_each(void);

#endif /* mf-shape.h */
