/*
 * mf-xlate-tnl: set(tunnel(...)) <-> tc's tunnel_key set.
 *
 * The tunnel part of mf-xlate-act.  A megaflow encapsulates with
 * set(tunnel(...)) followed by an output to a tunnel port (vxlan_sys_4789,
 * genev_sys_6081, gre_sys); tc does the same with a tunnel_key set and a
 * mirred redirect to that device, whose own transmit path then builds the
 * outer headers, exactly as the datapath's output does.
 *
 * What tc's tunnel_key cannot set is refused with a reason: a fixed UDP
 * source port, VXLAN group policy, ERSPAN and GTP-U metadata, the OAM
 * flag, and "don't fragment" on kernels without TCA_TUNNEL_KEY_NO_FRAG
 * (mf-caps).  Each translation is read back into OVS's own encoding and
 * compared, so that flow_get returns exactly what OVS put.
 */
#ifndef MF_XLATE_TNL_H
#define MF_XLATE_TNL_H 1

#include <stdbool.h>

struct ds;
struct mf_act;
struct nlattr;
struct ofpbuf;

/* Translates 'set', an OVS_ACTION_ATTR_SET holding OVS_KEY_ATTR_TUNNEL,
 * into the tunnel_key set 'act'.  Returns 0, or EOPNOTSUPP with a
 * reason. */
int mf_xlate_tnl_to_tc(const struct nlattr *set, struct mf_act *act,
                       struct ds *reason);

/* Appends the set(tunnel(...)) that the tunnel_key set 'act' stands for to
 * 'buf'. */
void mf_xlate_tnl_from_tc(const struct mf_act *act, struct ofpbuf *buf);

/* Whether the tunnel key 'key_attr' (OVS_KEY_ATTR_TUNNEL, of a set or of
 * a flow key) is whole attributes of the sizes the datapath gives them,
 * so that OVS's own parser may read it. */
bool mf_xlate_tnl_key_well_formed(const struct nlattr *key_attr);

#endif /* mf-xlate-tnl.h */
