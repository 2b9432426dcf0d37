/*
 * mf-meter: OpenFlow meters as shared tc police actions.
 *
 * Meter N is the standalone police action at index MF_METER_INDEX_BASE + N,
 * made, changed, read and removed with OVS's own tc_*_policer_action()
 * (lib/netdev-linux.c), so the kernel sees what upstream's linux_tc would
 * send.  A filter for a flow with meter(N) binds to that index.  The
 * mapping is fixed, so it survives restarts; megaflower's range is apart
 * from linux_tc's (0x10000000 up), which OVS also calls for each meter.
 *
 * Only meters tc can run exactly are set: one band, of type drop, in kbps
 * or pktps.  A flow whose meter is not set in tc stays in software
 * (binding to a missing index would make an unlimited policer).
 */
#ifndef MF_METER_H
#define MF_METER_H 1

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ofputil_meter_config;
struct ofputil_meter_stats;

#define MF_METER_INDEX_BASE 0x20000000
#define MF_METER_ID_MAX 0x0fffffff

/* Sets meter 'id' in tc.  Returns 0, EOPNOTSUPP with a reason for a meter
 * tc cannot run, or the kernel's errno. */
int mf_meter_set(uint32_t id, const struct ofputil_meter_config *,
                 struct ds *reason);
int mf_meter_get(uint32_t id, struct ofputil_meter_stats *);
int mf_meter_del(uint32_t id, struct ofputil_meter_stats *);

/* The registry of meters set in tc, which translation consults.  The unit
 * tests fill it without a kernel. */
void mf_meter_register(uint32_t id);
void mf_meter_unregister(uint32_t id);

/* Police index of meter 'id' if it is set in tc, else false. */
bool mf_meter_to_index(uint32_t id, uint32_t *index);

/* Meter id of police 'index', if it is one of megaflower's. */
bool mf_meter_from_index(uint32_t index, uint32_t *id);

#endif /* mf-meter.h */
