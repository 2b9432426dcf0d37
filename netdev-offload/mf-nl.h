/*
 * mf-nl: rtnetlink transactions over libmnl, keeping the kernel's words.
 *
 * Each thread gets its own NETLINK_ROUTE socket (OVS calls the offload
 * provider from handler and revalidator threads at once), with extended
 * acks turned on so that a refusal carries the kernel's extack text.
 * Errors come back as a positive errno plus that text in 'struct mf_err'.
 */
#ifndef MF_NL_H
#define MF_NL_H 1

#include <libmnl/libmnl.h>

struct mf_err {
    int error;                  /* Positive errno, 0 if none. */
    char msg[256];              /* Kernel extack or megaflower's words. */
};

/* Records 'error' and a printf-style message in 'err'; returns 'error'. */
int mf_err_set(struct mf_err *err, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sends 'req' with NLM_F_ACK and waits for the ack.  Every non-error reply
 * message before it (an NLM_F_ECHO echo, a get reply) is passed to 'cb'
 * when it is nonnull.  Returns 0 or a positive errno. */
int mf_nl_transact(struct nlmsghdr *req, mnl_cb_t cb, void *data,
                   struct mf_err *err);

/* Sends the dump request 'req' and passes each reply message to 'cb'.  A
 * callback returning MNL_CB_ERROR aborts the dump (the rest is drained).
 * Returns 0 or a positive errno. */
int mf_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data,
               struct mf_err *err);

#endif /* mf-nl.h */
