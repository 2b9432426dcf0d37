/*
 * mf-tc: tc operations megaflower performs on one device.
 *
 * Thin verbs over mf-filter and mf-nl: make sure an ingress hook exists,
 * and add, replace, get, delete and dump flower filters.  Adds use
 * NLM_F_ECHO so that the caller can compare what the kernel stored with
 * what it asked for.  Every verb returns 0 or a positive errno, with the
 * kernel's own words in 'err'.
 */
#ifndef MF_TC_H
#define MF_TC_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-filter.h"
#include "mf-nl.h"

/* The parent of ingress filters, with either the ingress or the clsact
 * qdisc; and of egress filters, with clsact only. */
#define MF_TC_INGRESS 0xfffffff2U
#define MF_TC_EGRESS 0xfffffff3U

/* Makes sure filters can be added at 'hook' (MF_TC_INGRESS or
 * MF_TC_EGRESS) of 'ifindex': uses the ingress or clsact qdisc there, or
 * creates one (ingress for the ingress hook, clsact for egress).  Never
 * removes or replaces a qdisc: if only an ingress qdisc is there and the
 * egress hook is wanted, fails with EBUSY. */
int mf_tc_ensure_hook(uint32_t ifindex, uint32_t hook, struct mf_err *);

/* Sets '*exists' to whether the standalone action of tc kind 'kind' at
 * 'index' is there.  Quiet: a missing action is not an error. */
int mf_tc_action_exists(const char *kind, uint32_t index, bool *exists,
                        struct mf_err *);

/* Sets '*bindcnt' to how many filters are bound to the standalone police
 * action at 'index' (the kernel lets go of a deleted filter's actions a
 * little later, after an RCU grace period). */
int mf_tc_police_bindcnt(uint32_t index, uint32_t *bindcnt, struct mf_err *);

/* Installs 'f'.  With 'replace', atomically replaces the filter with the
 * same identity; otherwise fails with EEXIST if it exists.  On success the
 * kernel's echo of the stored filter is decoded into 'echo' when nonnull. */
int mf_tc_filter_put(const struct mf_filter *f, bool replace,
                     struct mf_filter *echo, struct mf_err *);

/* mf_tc_filter_put() in two steps: builds its request for 'f' into 'buf'
 * (MF_MSG_SIZE bytes), then sends it, asking for an echo (decoded into
 * 'echo') when 'echo' is nonnull, for an acknowledgement only otherwise. */
struct nlmsghdr *mf_tc_filter_put_msg(void *buf, const struct mf_filter *f,
                                      bool replace);
int mf_tc_filter_put_send(struct nlmsghdr *, struct mf_filter *echo,
                          struct mf_err *);

/* Reads the filter whose identity is in 'id' into 'out'. */
int mf_tc_filter_get(const struct mf_filter *id, struct mf_filter *out,
                     struct mf_err *);

/* Deletes the filter whose identity is in 'id'.  ENOENT if it is gone. */
int mf_tc_filter_del(const struct mf_filter *id, struct mf_err *);

/* The request of mf_tc_filter_del_last() for 'id', built into 'buf'
 * (MF_MSG_SIZE bytes), for a batch (mf_nl_batch()): its echo is the
 * deleted filter as it was last. */
struct nlmsghdr *mf_tc_filter_del_last_msg(void *buf,
                                           const struct mf_filter *id);

/* Deletes the filter 'id' and reads it as it was last, counters included,
 * into 'last' (the kernel's echo of the deletion): one request where a get
 * and a delete would take two. */
int mf_tc_filter_del_last(const struct mf_filter *id, struct mf_filter *last,
                          struct mf_err *);

/* Dumps the flower filters at 'hook' of 'ifindex', in every chain, one at
 * a time, on a socket of the dump's own (so other mf-tc verbs may be used
 * meanwhile).  mf_tc_dump_next() decodes the next filter into '*fp' (good
 * until the next call); one that megaflower cannot decode comes with
 * '*error' nonzero and '*why' set, so that the caller decides.  Returns
 * false at the end; mf_tc_dump_finish() then says whether the dump itself
 * failed.  A 'terse' dump asks the kernel for identities, flags, cookies
 * and counters only, and decodes only those (mf_filter_decode_terse()). */
struct mf_tc_dump;
/* The request such a dump sends, built into 'buf' (MF_MSG_SIZE bytes). */
struct nlmsghdr *mf_tc_dump_request(void *buf, uint32_t ifindex,
                                    uint32_t hook, bool terse);
struct mf_tc_dump *mf_tc_dump_start(uint32_t ifindex, uint32_t hook,
                                    bool terse, struct mf_err *);
bool mf_tc_dump_next(struct mf_tc_dump *, const struct mf_filter **fp,
                     int *error, const char **why);
int mf_tc_dump_finish(struct mf_tc_dump *, struct mf_err *);

/* The same, calling 'cb' for each filter. */
typedef void mf_tc_dump_cb(const struct mf_filter *, int error,
                           const char *why, void *aux);
int mf_tc_filter_dump(uint32_t ifindex, uint32_t hook, mf_tc_dump_cb *,
                      void *aux, struct mf_err *);

#endif /* mf-tc.h */
