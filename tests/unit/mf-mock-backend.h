/*
 * mf-mock-backend: two mock backends for the engine's Check suites
 * ("mock-a", preferred, like the flow cache, and "mock-b", like tc).
 *
 * Each holds flows in a small table and takes or refuses a flow by a rule
 * of the test's.  They are mocks of a backend, not of tc or of the cache:
 * what they check is the engine's routing (which backend is asked, in
 * what order, with what reasons), never offload itself.
 */
#ifndef MF_MOCK_BACKEND_H
#define MF_MOCK_BACKEND_H 1

#include <stddef.h>
#include <stdint.h>

#include "mf-backend.h"

#define MOCK_MAX 64

/* A mock backend: its flows, and what it was asked. */
struct mock {
    const char *name;
    uint32_t refuse_tag;        /* Refuses flows with u32[1] == this. */
    uint32_t fail_tag;          /* Fails (as a kernel would, EBUSY) those
                                 * with u32[1] == this. */
    uint32_t refuse_port;       /* Its probe refuses this ifindex. */
    uint32_t unserve_port;      /* Its reconfigure lets this one go. */
    size_t refuse_len;          /* Refuses flows with this actions_len (a
                                 * version of a flow, for modifies). */
    size_t cap;                 /* Flows a port, if nonzero: more are
                                 * refused (ENOSPC), like a full cache. */
    unsigned int del_fails;     /* The next deletions that fail (EBUSY). */
    bool adopts;                /* At port init, its flows held on the port
                                 * (an earlier run's) are adopted. */
    size_t n;
    struct {
        struct mf_ufid ufid;
        uint32_t ifindex;
        uint64_t n_packets;
    } flows[MOCK_MAX];
    unsigned int n_adds, n_modifies, n_dels, n_dumps, n_releases;
};

extern struct mock mock_a, mock_b;
extern const struct mf_backend mock_backend_a, mock_backend_b;
extern const struct mf_backend *const mock_both[2];

/* The index of 'ufid' in 'm''s table, or -1. */
int mock_find(const struct mock *, const struct mf_ufid *);

/* Puts 'ufid' in 'm''s table on 'ifindex', as if offloaded there. */
void mock_hold(struct mock *, const struct mf_ufid *, uint32_t ifindex);

/* Empties both mocks, every rule off. */
void mock_reset(void);

/* A port of 'ifindex', named "p". */
struct mf_port mock_port(uint32_t ifindex);

/* A put of flow ufid (n, tag), and the end of 'n' such. */
void mock_op_init(struct mf_flow_put *, uint32_t n, uint32_t tag);
void mock_ops_destroy(struct mf_flow_put *, size_t n);

#endif /* mf-mock-backend.h */
