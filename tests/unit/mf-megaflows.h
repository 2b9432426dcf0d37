/*
 * mf-megaflows: megaflows in ovs-dpctl syntax for the tests.
 *
 * The unit tests translate each one there and back; the kernel round trip
 * (tests/mf-krt.c) installs each one in a real kernel and compares what
 * the kernel stored.  One list, so that a new field or action added here
 * is checked both ways.
 */
#ifndef MF_MEGAFLOWS_H
#define MF_MEGAFLOWS_H 1

#include <stddef.h>

struct match;
struct ofpbuf;

/* The start of a megaflow on odp port 2, between two MACs. */
#define ETH_IN2 "recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01," \
                "dst=02:00:00:00:00:02),"

/* The same to a multicast MAC: what megaflower may send to an internal
 * port (odp port 8 in the tests). */
#define ETH_IN2_MC "recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01," \
                   "dst=01:00:5e:00:00:02),"

struct mf_test_megaflow {
    const char *flow;           /* As ovs-dpctl dump-flows prints it. */
    const char *actions;        /* Datapath actions; "" is a drop. */
};

/* The meter the megaflows use; it must be set (or, without a kernel,
 * registered with mf_meter_register()) before they are translated. */
#define MF_TEST_METER 5

extern const struct mf_test_megaflow mf_test_offloadable[];
extern const size_t mf_test_n_offloadable;

/* Parses a megaflow the way dpif-netlink parses what the kernel datapath
 * sends up (parse_key_and_mask_to_match()), and its actions.  'acts' is
 * initialized either way.  Returns 0 or an errno with '*errorp' set (to be
 * freed). */
int mf_test_parse_megaflow(const char *flow_s, const char *actions_s,
                           struct match *, struct ofpbuf *acts,
                           char **errorp);

#endif /* mf-megaflows.h */
