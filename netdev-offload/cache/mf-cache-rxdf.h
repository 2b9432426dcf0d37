/*
 * mf-cache-rxdf: whether this kernel reports a received IPv4 tunnel
 * packet's "don't fragment" bit in its tunnel metadata, and so in the
 * kernel datapath's flow keys (OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT).
 *
 * Linux did not until a9888628cb2c ("net: dst_metadata: fix IP_DF bit not
 * extracted from tunnel headers", 6.17, and the stable kernels that took
 * it; Debian's 6.1.0-57 and 6.12.118 have not): OVS's decap megaflows then
 * say -df for every packet, DF or not.  The flow cache's program parses
 * the outer header itself, so it must know which the kernel does to match
 * as the kernel datapath does.  No version number tells (the fix went to
 * stable kernels), so it is probed, once: a child process, in a network
 * namespace of its own, makes a kernel datapath whose one port is a
 * collect_md gretap device, sends it a GRE packet with DF set through a
 * veth pair, and reads the flow key of the upcall.  The namespace, its
 * devices and its datapath go when the child exits.
 *
 * If the probe fails (no openvswitch module, no right to make a
 * namespace, a timeout), or until it answers, the cache takes DF
 * from the header: exact on a kernel that reports it, and on one that
 * does not, DF packets miss every entry (OVS's are all -df) and go to the
 * kernel whole.  Never wrong, only not offloaded.
 */
#ifndef MF_CACHE_RXDF_H
#define MF_CACHE_RXDF_H 1

#include <stddef.h>

struct ds;

enum mf_cache_rxdf {
    MF_CACHE_RXDF_UNKNOWN,      /* The probe failed. */
    MF_CACHE_RXDF_REPORTED,     /* As the outer header says. */
    MF_CACHE_RXDF_NOT_REPORTED, /* Never set. */
};

/* Starts the probe in a thread of its own, once (later calls do nothing);
 * that thread calls 'done' with the answer. */
void mf_cache_rxdf_start(void (*done)(enum mf_cache_rxdf));

/* The answer: MF_CACHE_RXDF_UNKNOWN until the probe has given it.
 * Thread-safe. */
enum mf_cache_rxdf mf_cache_rxdf(void);

/* The probe's reading of an upcall, 'n' bytes at 'buf' (a netlink message
 * of the kernel datapath's packet family, OVS_PACKET_CMD_MISS): 'R' if it
 * is the probe packet's and its tunnel key has DF, 'N' if it has not, 0
 * if it is not the probe packet's (or not a well-formed message: an
 * attribute that does not fit hides the nest around it).  For the
 * tests. */
int mf_cache_rxdf_upcall(const void *buf, size_t n);

/* Appends a line for megaflower/cache (nothing before the probe starts). */
void mf_cache_rxdf_format(struct ds *);

#endif /* mf-cache-rxdf.h */
