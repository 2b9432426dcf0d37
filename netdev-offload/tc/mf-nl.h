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
#include <stdbool.h>
#include <stdint.h>

struct mf_err {
    int error;                  /* Positive errno, 0 if none. */
    char msg[256];              /* Kernel extack or megaflower's words. */
};

/* Records 'error' and a printf-style message in 'err'; returns 'error'. */
int mf_err_set(struct mf_err *err, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads the acknowledgement or error message 'nlh' (NLMSG_ERROR) into
 * 'err': 0, or the kernel's errno and its extack text if it sent some.
 * Returns false, with EPROTO in 'err', if 'nlh' is malformed; 'nlh' must
 * hold at least a netlink header and 'nlmsg_len' bytes. */
bool mf_nl_ack_parse(const struct nlmsghdr *, struct mf_err *);

/* Sends 'req' with NLM_F_ACK and waits for the ack.  Every non-error reply
 * message before it (an NLM_F_ECHO echo, a get reply) is passed to 'cb'
 * when it is nonnull.  Returns 0 or a positive errno. */
int mf_nl_transact(struct nlmsghdr *req, mnl_cb_t cb, void *data,
                   struct mf_err *err);

/* Sends 'req' without NLM_F_ACK, for a request that the kernel answers
 * with one message (a get, or anything with NLM_F_ECHO): that message is
 * passed to 'cb' and ends it, as an error does.  Half the messages of
 * mf_nl_transact().  Returns 0 or a positive errno. */
int mf_nl_request(struct nlmsghdr *req, mnl_cb_t cb, void *data,
                  struct mf_err *err);

/* Sends the dump request 'req' and passes each reply message to 'cb'.  A
 * callback returning MNL_CB_ERROR aborts the dump (the rest is drained).
 * Returns 0 or a positive errno. */
int mf_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data,
               struct mf_err *err);

/* A dump read one message at a time, on a socket of its own: the thread
 * that holds it open may make other requests meanwhile (OVS's revalidators
 * delete flows between two dump batches).  mf_nl_dump_next() returns the
 * next reply message, good until the next call, or NULL at the end or on
 * an error, which mf_nl_dump_close() returns (with the kernel's words). */
struct mf_nl_dump;
struct mf_nl_dump *mf_nl_dump_open(struct nlmsghdr *req, struct mf_err *);
const struct nlmsghdr *mf_nl_dump_next(struct mf_nl_dump *);
int mf_nl_dump_close(struct mf_nl_dump *, struct mf_err *);

/* One request of a batch, and its outcome. */
struct mf_nl_req {
    struct nlmsghdr *nlh;       /* Sent with a seq of its own, and with
                                 * NLM_F_ACK unless it has NLM_F_ECHO (then
                                 * its echo says it succeeded). */
    mnl_cb_t cb;                /* Each non-error reply to it (its echo). */
    void *data;
    /* Outcome. */
    bool done;                  /* Its acknowledgement came. */
    struct mf_err err;          /* The kernel's answer: 0, or an errno and
                                 * its extack text. */
    int cb_error;               /* 'cb' returned MNL_CB_ERROR (errno). */
};

/* Sends the requests in 'reqs' many to a sendmsg, in chunks that the
 * socket can take the replies of, and waits for every acknowledgement of
 * a chunk before sending the next.  Each acknowledgement is matched back
 * to its request by sequence number, so each request's outcome is its own.
 * Returns 0, or a positive errno if the socket failed (a send, a receive,
 * replies lost to an overrun): the requests without 'done' then have an
 * unknown outcome, which the caller must find out from the kernel. */
int mf_nl_batch(struct mf_nl_req *reqs, size_t n, struct mf_err *err);

/* What megaflower reads of a device (RTM_GETLINK): its master, MAC, kind,
 * and the kind's own attributes (IFLA_INFO_DATA, in the reply). */
struct mf_nl_link {
    uint32_t master;            /* 0 if none. */
    bool has_mac;
    uint8_t mac[6];
    char kind[16];              /* "" if none. */
    const struct nlattr *data;  /* NULL if none. */
};

/* Reads the link message 'nlh' into 'link'. */
void mf_nl_link_parse(const struct nlmsghdr *nlh, struct mf_nl_link *link);

/* The device 'ifindex', read into 'link'.  Its 'data' is in this
 * thread's reply buffer, good until the thread's next request.  Returns 0
 * or a positive errno. */
int mf_nl_link_get(uint32_t ifindex, struct mf_nl_link *link,
                   struct mf_err *err);

/* For tests: sets this thread's socket's receive buffer to 'rcvbuf' bytes
 * (0: leaves it) and makes a batch chunk hold 'max_reqs' requests (0: as
 * many as the receive buffer has room for) in up to 64 KB, echoed or not,
 * so that a test can make replies be lost. */
void mf_nl_test_set_batch(int rcvbuf, size_t max_reqs);

#endif /* mf-nl.h */
