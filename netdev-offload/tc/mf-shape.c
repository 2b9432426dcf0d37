/* mf-shape: filter requests with their verbatim values left out. */
#include <config.h>
#include "mf-shape.h"

#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "mf-act.h"
#include "mf-flower.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"
#include "ovs-atomic.h"
#include "util.h"

COVERAGE_DEFINE(mf_shape_proven);

/* Proven shapes, at most this many (a few per kind of megaflow are the
 * rule; past it, new shapes are simply echoed every time). */
#define MF_SHAPE_LIMIT 4096

struct shape {
    struct hmap_node node;      /* In 'shapes'. */
    uint32_t ifindex;
    size_t len;
    uint8_t bytes[];
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap shapes OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&shapes);
static bool echo_each;
static atomic_uint64_t n_hits;

/* The shape being written (into 'p', unless it is NULL), and who is told
 * of each verbatim run of bytes left out of it. */
struct writer {
    uint8_t *p;
    size_t len;
    bool full;
    mf_shape_verbatim_cb *cb;
    void *aux;
    const struct mf_act_ops *ops;   /* Of the action being walked. */
};

static void
put(struct writer *w, const void *data, size_t n)
{
    if (w->len + n > MF_SHAPE_MAX) {
        w->full = true;
    } else {
        if (w->p) {
            memcpy(w->p + w->len, data, n);
        }
        w->len += n;
    }
}

/* An attribute's type and length: all of a verbatim one. */
static void
put_head(struct writer *w, const struct nlattr *a)
{
    uint16_t head[2] = { a->nla_type, a->nla_len };

    put(w, head, sizeof head);
}

/* 'n' bytes at 'p', in attribute 'a', are verbatim. */
static void
left_out(struct writer *w, const struct nlattr *a, const void *p, size_t n)
{
    if (w->cb && n) {
        w->cb(CONST_CAST(void *, p), n, a, w->ops, w->aux);
    }
}

/* All of verbatim attribute 'a'. */
static void
put_verbatim(struct writer *w, const struct nlattr *a)
{
    put_head(w, a);
    left_out(w, a, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

static void
put_raw(struct writer *w, const struct nlattr *a)
{
    put_head(w, a);
    put(w, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

/* 'a', with the bytes that the 'n' entries of 'v' declare verbatim for its
 * type zeroed. */
static void
put_partial(struct writer *w, const struct nlattr *a,
            const struct mf_verbatim *v, size_t n)
{
    size_t size = mnl_attr_get_payload_len(a);
    uint8_t payload[MF_SHAPE_MAX];
    bool any = false;

    if (size > sizeof payload) {
        w->full = true;
        return;
    }
    memcpy(payload, mnl_attr_get_payload(a), size);
    for (size_t i = 0; i < n; i++) {
        if (v[i].type != mnl_attr_get_type(a)) {
            continue;
        }
        for (size_t ofs = v[i].ofs; ofs < size;
             ofs += v[i].stride ? v[i].stride : size) {
            size_t len = v[i].len ? MIN(v[i].len, size - ofs) : size - ofs;

            memset(payload + ofs, 0, len);
            left_out(w, a, (const uint8_t *) mnl_attr_get_payload(a) + ofs,
                     len);
            any = true;
        }
    }
    if (!any) {
        put_raw(w, a);
        return;
    }
    put_head(w, a);
    put(w, payload, size);
}

/* TCA_ACT_OPTIONS of an action of kind 'ops'. */
static void
put_act_options(struct writer *w, const struct nlattr *opts,
                const struct mf_act_ops *ops)
{
    const struct nlattr *a;

    put_head(w, opts);
    mnl_attr_for_each_nested (a, opts) {
        if (ops && ops->n_verbatim) {
            put_partial(w, a, ops->verbatim, ops->n_verbatim);
        } else {
            put_raw(w, a);
        }
    }
}

/* One action of a TCA_FLOWER_ACT list. */
static void
put_act(struct writer *w, const struct nlattr *act)
{
    const struct nlattr *a, *opts = NULL;
    const struct mf_act_ops *ops = NULL;

    put_head(w, act);
    w->ops = NULL;
    mnl_attr_for_each_nested (a, act) {
        switch (mnl_attr_get_type(a)) {
        case TCA_ACT_KIND:
            put_raw(w, a);
            if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0) {
                ops = mf_act_ops_by_tc_kind(mnl_attr_get_str(a));
            }
            break;
        case TCA_ACT_OPTIONS:
            opts = a;
            break;
        case TCA_ACT_COOKIE:
            /* tcf_action_init_1() copies the cookie (nla_memdup) and
             * tcf_action_dump_1() gives it back. */
            put_verbatim(w, a);
            break;
        default:
            put_raw(w, a);
            break;
        }
    }
    /* After the kind, whichever came first: the options' verbatim parts
     * depend on it. */
    if (opts) {
        w->ops = ops;
        put_act_options(w, opts, ops);
    }
    w->ops = NULL;
}

static void
put_flower_options(struct writer *w, const struct nlattr *opts)
{
    const struct nlattr *a, *act;

    put_head(w, opts);
    mnl_attr_for_each_nested (a, opts) {
        uint16_t type = mnl_attr_get_type(a);

        if (type == TCA_FLOWER_ACT) {
            put_head(w, a);
            mnl_attr_for_each_nested (act, a) {
                put_act(w, act);
            }
        } else if (mf_flower_attr_is_verbatim(type)) {
            put_verbatim(w, a);
        } else {
            put_raw(w, a);
        }
    }
}

static size_t
walk(const struct nlmsghdr *nlh, struct writer *writer)
{
    struct writer w = *writer;
    const struct tcmsg *tc;
    const struct nlattr *a;
    uint32_t head[3];
    bool flower = false;

    if (nlh->nlmsg_type != RTM_NEWTFILTER
        || mnl_nlmsg_get_payload_len(nlh) < sizeof *tc) {
        return 0;
    }
    tc = mnl_nlmsg_get_payload(nlh);
    /* Not the handle, which megaflower picks for each filter and the
     * kernel keeps (fl_change() with an explicit handle). */
    head[0] = tc->tcm_ifindex;
    head[1] = tc->tcm_parent;
    head[2] = tc->tcm_info;
    put(&w, head, sizeof head);
    mnl_attr_for_each(a, nlh, sizeof *tc) {
        switch (mnl_attr_get_type(a)) {
        case TCA_KIND:
            flower = (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0
                      && !strcmp(mnl_attr_get_str(a), "flower"));
            put_raw(&w, a);
            break;
        case TCA_OPTIONS:
            put_flower_options(&w, a);
            break;
        default:
            put_raw(&w, a);
            break;
        }
    }
    return flower && !w.full ? w.len : 0;
}

size_t
mf_shape_of(const struct nlmsghdr *nlh, uint8_t *shape)
{
    struct writer w = { .p = shape };

    return walk(nlh, &w);
}

void
mf_shape_for_each_verbatim(const struct nlmsghdr *nlh,
                           mf_shape_verbatim_cb *cb, void *aux)
{
    struct writer w = { .cb = cb, .aux = aux };

    walk(nlh, &w);
}

static uint32_t
shape_ifindex(const uint8_t *shape)
{
    uint32_t ifindex;

    memcpy(&ifindex, shape, sizeof ifindex);
    return ifindex;
}

static struct shape *
shape_find(const uint8_t *bytes, size_t len, uint32_t hash)
    OVS_REQUIRES(mutex)
{
    struct shape *s;

    HMAP_FOR_EACH_WITH_HASH (s, node, hash, &shapes) {
        if (s->len == len && !memcmp(s->bytes, bytes, len)) {
            return s;
        }
    }
    return NULL;
}

bool
mf_shape_is_proven(const uint8_t *bytes, size_t len)
{
    uint32_t hash;
    bool found;

    if (!len || echo_each) {
        return false;
    }
    hash = hash_bytes(bytes, len, 0);
    ovs_mutex_lock(&mutex);
    found = shape_find(bytes, len, hash) != NULL;
    ovs_mutex_unlock(&mutex);
    if (found) {
        uint64_t orig;

        atomic_add_relaxed(&n_hits, 1, &orig);
    }
    return found;
}

void
mf_shape_prove(const uint8_t *bytes, size_t len)
{
    uint32_t hash;

    if (!len) {
        return;
    }
    hash = hash_bytes(bytes, len, 0);
    ovs_mutex_lock(&mutex);
    if (!shape_find(bytes, len, hash)
        && hmap_count(&shapes) < MF_SHAPE_LIMIT) {
        struct shape *s = xmalloc(sizeof *s + len);

        s->ifindex = shape_ifindex(bytes);
        s->len = len;
        memcpy(s->bytes, bytes, len);
        hmap_insert(&shapes, &s->node, hash);
        COVERAGE_INC(mf_shape_proven);
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_shape_forget(uint32_t ifindex)
{
    struct shape *s;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (s, node, &shapes) {
        if (!ifindex || s->ifindex == ifindex) {
            hmap_remove(&shapes, &s->node);
            free(s);
        }
    }
    ovs_mutex_unlock(&mutex);
}

uint64_t
mf_shape_n_hits(void)
{
    uint64_t n;

    atomic_read_relaxed(&n_hits, &n);
    return n;
}

size_t
mf_shape_count(void)
{
    size_t n;

    ovs_mutex_lock(&mutex);
    n = hmap_count(&shapes);
    ovs_mutex_unlock(&mutex);
    return n;
}

void
mf_shape_set_echo_each(bool each)
{
    echo_each = each;
}

bool
mf_shape_get_echo_each(void)
{
    return echo_each;
}
