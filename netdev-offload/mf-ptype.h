/*
 * mf-ptype: the packet type the host stack sees on an internal port, and
 * the flows whose filters must be several to give it exactly.
 *
 * The kernel datapath hands a packet to an internal port through
 * eth_type_trans() on that device, which sets skb->pkt_type from the
 * destination MAC: PACKET_HOST for the device's own address, else
 * PACKET_BROADCAST for ff:ff:ff:ff:ff:ff, PACKET_MULTICAST for another
 * group address, PACKET_OTHERHOST for any other.  tc's mirred keeps the
 * type the packet came in with, so megaflower sets it first with skbedit
 * ptype.  When the megaflow pins the destination (or a set before the
 * output does), one filter says which.  When it does not, no one filter
 * can: mf-xlate leaves a placeholder (ptype MF_PTYPE_BY_DST, with the
 * port's MAC), and mf_ptype_split() turns that "base" filter into members,
 * each pinning the case its packet type depends on:
 *
 *   rank 0  eth_dst equal to each internal port's MAC   (exact)
 *           eth_dst ff:ff:ff:ff:ff:ff                   (exact)
 *   rank 1  the multicast bit set: PACKET_MULTICAST
 *           the multicast bit clear: PACKET_OTHERHOST
 *
 * Members of one rank are disjoint; rank 0 must come first in tc (the
 * engine gives it an earlier prio), so that rank 1 sees only what is left.
 * Only the cases the megaflow's own eth_dst match allows are built.  The
 * engine installs, modifies and deletes the members as one flow, reports
 * their summed counters, and gives back the base (mf_ptype_unsplit()) when
 * asked for the filter.  An internal port's MAC is watched: when it
 * changes, the flows that pinned it are split again (mf_ptype_monitor).
 */
#ifndef MF_PTYPE_H
#define MF_PTYPE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mf_err;
struct mf_filter;

/* The placeholder packet type: never sent to the kernel. */
#define MF_PTYPE_BY_DST 0xffff

/* At most this many distinct internal ports a flow outputs to with the
 * destination unknown, and so this many members. */
#define MF_PTYPE_MAX_PORTS 4
#define MF_PTYPE_MAX_MEMBERS (MF_PTYPE_MAX_PORTS + 3)

/* What eth_type_trans() gives a packet to 'dst' on a device whose address
 * is 'port_mac' (PACKET_HOST, ...). */
uint16_t mf_ptype_of_dst(const uint8_t dst[6], const uint8_t port_mac[6]);

/* Whether 'f' has placeholders, that is, must be split. */
bool mf_ptype_needed(const struct mf_filter *f);

/* What a split filter's members do not say of its base. */
struct mf_ptype_info {
    uint8_t dst_key[6];         /* The base's eth_dst match. */
    uint8_t dst_mask[6];
    uint32_t placeholders;      /* Bit i: the base's action i is one. */
    size_t n_ports;             /* Distinct internal ports with their MAC */
    struct {                    /* as the members were built for. */
        uint32_t ifindex;
        uint8_t mac[6];
    } ports[MF_PTYPE_MAX_PORTS];
};

/* Splits the base filter 'base' into '*n' members (room for
 * MF_PTYPE_MAX_MEMBERS) with ranks[i] for each, and fills 'info'.  Each
 * member is 'base' with its eth_dst match narrowed and each placeholder
 * given its packet type; the members' other fields are the base's.
 * Returns 0, or a positive errno with 'err' saying why (too many internal
 * ports, or a megaflow no packet can match). */
int mf_ptype_split(const struct mf_filter *base, struct mf_filter *members,
                   uint8_t *ranks, size_t *n, struct mf_ptype_info *info,
                   struct mf_err *err);

/* Turns a member of the split described by 'info' back into its base. */
void mf_ptype_unsplit(struct mf_filter *member,
                      const struct mf_ptype_info *info);

/* Sets the MAC of internal port 'ifindex' in the placeholders of 'base'.
 * Returns true if one had another. */
bool mf_ptype_set_mac(struct mf_filter *base, uint32_t ifindex,
                      const uint8_t mac[6]);

/* The watch on internal ports' addresses.  Once started (by the engine,
 * on its first split flow), a thread of its own follows rtnetlink's link
 * events (resyncing after lost ones, mf-rtmon) and calls 'changed', from
 * that thread with no lock held, with a device's current address whenever
 * it may have changed; at the start, for every device. */
void mf_ptype_monitor_start(void (*changed)(uint32_t ifindex,
                                            const uint8_t mac[6]));

/* Has 'changed' called for 'ifindex' soon if its address is no longer
 * 'mac', the one a split was just built for: it may have changed since it
 * was read. */
void mf_ptype_monitor_check(uint32_t ifindex, const uint8_t mac[6]);

#endif /* mf-ptype.h */
