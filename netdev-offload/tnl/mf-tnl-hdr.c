/* mf-tnl-hdr: outer headers for resolved tunnels, and the MTU rule. */
#include <config.h>
#include "mf-tnl-hdr.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_P_TEB 0x6558        /* Transparent Ethernet bridging. */
#define VXLAN_PORT 4789
#define GENEVE_PORT 6081

const char *
mf_tnl_type_to_string(enum mf_tnl_type type)
{
    return (type == MF_TNL_VXLAN ? "VXLAN"
            : type == MF_TNL_GENEVE ? "Geneve" : "GRE");
}

bool
mf_tnl_type_from_netdev_type(const char *s, enum mf_tnl_type *type)
{
    if (!strcmp(s, "vxlan")) {
        *type = MF_TNL_VXLAN;
    } else if (!strcmp(s, "geneve")) {
        *type = MF_TNL_GENEVE;
    } else if (!strcmp(s, "gre")) {
        *type = MF_TNL_GRE;
    } else {
        return false;
    }
    return true;
}

uint16_t
mf_tnl_default_port(enum mf_tnl_type type)
{
    return (type == MF_TNL_VXLAN ? VXLAN_PORT
            : type == MF_TNL_GENEVE ? GENEVE_PORT : 0);
}

/* A cursor over the header being laid out.  put*() write exact bytes,
 * skip() leaves per-packet bytes zero (and not fixed). */
struct cursor {
    struct mf_tnl_hdr *h;
};

static void
put(struct cursor *c, const void *p, size_t n, uint8_t fixed)
{
    memcpy(&c->h->data[c->h->len], p, n);
    memset(&c->h->fixed[c->h->len], fixed, n);
    c->h->len += n;
}

static void
put8(struct cursor *c, uint8_t v, uint8_t fixed)
{
    put(c, &v, 1, fixed);
}

static void
put16(struct cursor *c, uint16_t v)
{
    uint8_t b[2] = { v >> 8, v };

    put(c, b, 2, 0xff);
}

static void
put32(struct cursor *c, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    put(c, b, 4, 0xff);
}

static void
skip(struct cursor *c, size_t n)
{
    static const uint8_t zero[8];

    put(c, zero, n, 0);
}

static int
tunnel_len(const struct mf_tnl_encap *e)
{
    switch (e->type) {
    case MF_TNL_VXLAN:
        return 8 + 8;
    case MF_TNL_GENEVE:
        return 8 + 8 + e->opts_len;
    case MF_TNL_GRE:
    default:
        return 4 + (e->csum ? 4 : 0) + (e->key ? 4 : 0);
    }
}

int
mf_tnl_overhead(const struct mf_tnl_encap *e)
{
    return (e->dst.family == AF_INET6 ? 40 : 20) + tunnel_len(e);
}

static int
check_params(const struct mf_tnl_encap *e, struct mf_err *err)
{
    const char *type = mf_tnl_type_to_string(e->type);

    if (e->dst.family != AF_INET && e->dst.family != AF_INET6) {
        return mf_err_set(err, EINVAL, "%s tunnel without a destination",
                          type);
    }
    if (e->type != MF_TNL_GRE && e->id > 0xffffff) {
        return mf_err_set(err, EINVAL, "%s VNI %u does not fit 24 bits",
                          type, e->id);
    }
    if (e->opts_len && e->type != MF_TNL_GENEVE) {
        return mf_err_set(err, EINVAL, "%s tunnels carry no options", type);
    }
    if (e->opts_len % 4 || e->opts_len > MF_TNL_OPTS_MAX) {
        return mf_err_set(err, EINVAL, "Geneve options of %u bytes: not a "
                          "multiple of 4 up to %d", e->opts_len,
                          MF_TNL_OPTS_MAX);
    }
    if (e->dst.family == AF_INET6 && e->label > 0xfffff) {
        return mf_err_set(err, EINVAL, "IPv6 flow label %#x does not fit "
                          "20 bits", e->label);
    }
    return 0;
}

/* Geneve's C bit: set when any option's type has its critical bit. */
static bool
geneve_critical(const struct mf_tnl_encap *e)
{
    for (int ofs = 0; ofs + 4 <= e->opts_len;
         ofs += 4 + 4 * (e->opts[ofs + 3] & 0x1f)) {
        if (e->opts[ofs + 2] & 0x80) {
            return true;
        }
    }
    return false;
}

int
mf_tnl_hdr_build(const struct mf_tnl_encap *e, const struct mf_tnl_route *r,
                 struct mf_tnl_hdr *h, struct mf_err *err)
{
    bool v6 = e->dst.family == AF_INET6;
    const struct mf_ip *src = mf_ip_is_set(&e->src) ? &e->src : &r->src;
    uint8_t proto = e->type == MF_TNL_GRE ? IPPROTO_GRE : IPPROTO_UDP;
    struct cursor c = { h };
    int error;

    h->len = 0;
    error = check_params(e, err);
    if (error) {
        return error;
    }
    if (r->status != MF_TNL_READY) {
        return mf_err_set(err, EAGAIN, "tunnel endpoint is not resolved: "
                          "%s", r->reason);
    }
    if (src->family != e->dst.family) {
        return mf_err_set(err, EINVAL, "tunnel source and destination "
                          "differ in address family");
    }

    /* Ethernet. */
    put(&c, r->dmac, 6, 0xff);
    put(&c, r->smac, 6, 0xff);
    put16(&c, v6 ? 0x86dd : 0x0800);

    /* IP.  The two ECN bits of the tos come from the inner packet. */
    if (!v6) {
        put8(&c, 0x45, 0xff);
        put8(&c, e->tos & ~3, 0xfc);
        skip(&c, 4);                            /* Total length, id. */
        put16(&c, e->df ? 0x4000 : 0);
        put8(&c, e->ttl, 0xff);
        put8(&c, proto, 0xff);
        skip(&c, 2);                            /* Header checksum. */
        put(&c, src->b, 4, 0xff);
        put(&c, e->dst.b, 4, 0xff);
    } else {
        uint32_t w = 6u << 28 | (uint32_t) (e->tos & ~3) << 20 | e->label;

        put32(&c, w);
        c.h->fixed[c.h->len - 4] = 0xff;
        c.h->fixed[c.h->len - 3] = 0xcf;        /* ECN: bits 2-3. */
        skip(&c, 2);                            /* Payload length. */
        put8(&c, proto, 0xff);
        put8(&c, e->ttl, 0xff);
        put(&c, src->b, 16, 0xff);
        put(&c, e->dst.b, 16, 0xff);
    }

    if (e->type == MF_TNL_GRE) {
        put16(&c, (e->csum ? 0x8000 : 0) | (e->key ? 0x2000 : 0));
        put16(&c, ETH_P_TEB);
        if (e->csum) {
            skip(&c, 2);                        /* Checksum. */
            put16(&c, 0);                       /* Reserved. */
        }
        if (e->key) {
            put32(&c, e->id);
        }
        return 0;
    }

    /* UDP: the source port is the kernel's hash of the inner flow. */
    skip(&c, 2);
    put16(&c, e->tp_dst ? e->tp_dst : mf_tnl_default_port(e->type));
    skip(&c, 2);                                /* Length. */
    if (e->csum) {
        skip(&c, 2);
    } else {
        put16(&c, 0);
    }

    if (e->type == MF_TNL_VXLAN) {
        put32(&c, 0x08000000);                  /* I: the VNI is valid. */
        put32(&c, e->id << 8);
    } else {
        put8(&c, e->opts_len / 4, 0xff);        /* Version 0. */
        put8(&c, geneve_critical(e) ? 0x40 : 0, 0xff);
        put16(&c, ETH_P_TEB);
        put32(&c, e->id << 8);
        put(&c, e->opts, e->opts_len, 0xff);
    }
    return 0;
}

int
mf_tnl_mtu_check(const struct mf_tnl_encap *e, uint32_t inner_mtu,
                 int inner_l2, const struct mf_tnl_route *r,
                 struct mf_err *err)
{
    uint32_t need = inner_mtu + inner_l2 + mf_tnl_overhead(e);

    if (need > r->mtu) {
        return mf_err_set(err, EMSGSIZE, "inner MTU %u + %d bytes of "
                          "Ethernet + %d bytes of %s over %s = %u, more than "
                          "the egress MTU %u of %s", inner_mtu, inner_l2,
                          mf_tnl_overhead(e), mf_tnl_type_to_string(e->type),
                          e->dst.family == AF_INET6 ? "IPv6" : "IPv4", need,
                          r->mtu, r->oif_name);
    }
    return 0;
}
