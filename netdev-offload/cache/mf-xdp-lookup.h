/*
 * mf-xdp-lookup: the lookup of the XDP flow cache's program (mf-xdp.bpf.c
 * includes it, after its maps): tuple-space search, one hash map per mask,
 * bpf_loop over the subtables in use ('mf_active'), the one the mask
 * cache names first.  See the top of mf-xdp.bpf.c for how it reads a
 * subtable the loader publishes.
 */
#ifndef MF_XDP_LOOKUP_H
#define MF_XDP_LOOKUP_H 1

struct lookup_ctx {
    const struct mf_xkey *key;
    struct mf_xkey *masked;     /* This CPU's 'scratch'. */
    struct mf_xentry *hit;
    __u32 slot;                 /* Where 'hit' is. */
};

/* Probes subtable 'slot'; returns 1 on a hit.  The masked key is in a
 * per-CPU map, not on the stack: with the key there too, 6.1's 512 bytes
 * for the whole call chain would not hold both. */
static __noinline long
probe(__u32 slot, struct lookup_ctx *lc)
{
    const __u64 *k, *m;
    __u64 *o;
    void *sub;
    int i;

    sub = bpf_map_lookup_elem(&subtables, &slot);
    if (!sub) {
        return 0;               /* A free slot. */
    }
    /* The mask after the map: see the top of the file. */
    asm volatile("" ::: "memory");
    if (slot >= MF_XDP_MAX_MASKS) {
        return 0;
    }
    k = (const __u64 *) lc->key;
    m = (const __u64 *) &mf_masks[slot];
    o = (__u64 *) lc->masked;
#pragma unroll
    for (i = 0; i < MF_XKEY_U64S; i++) {
        o[i] = k[i] & m[i];
    }
    lc->hit = bpf_map_lookup_elem(sub, lc->masked);
    lc->slot = slot;
    return lc->hit ? 1 : 0;
}

static long
lookup_active(__u32 i, struct lookup_ctx *lc)
{
    if (i >= MF_XDP_MAX_MASKS) {
        return 1;
    }
    return probe(mf_active[i], lc);
}

static __always_inline __u32 flow_hash(const struct mf_xkey *);

static __always_inline struct mf_xentry *
lookup(const struct mf_xkey *key)
{
    struct lookup_ctx lc = { .key = key };
    __u32 n = *(volatile __u32 *) &mf_n_active, idx = 0;
    __u32 *cached = NULL;

    lc.masked = bpf_map_lookup_elem(&scratch, &idx);
    if (!lc.masked) {
        return NULL;
    }

    /* The count before the slots (BPF has no acquire load in clang 14;
     * the JITs keep a load's order on x86, and the loader's stores are
     * releases). */
    asm volatile("" ::: "memory");
    if (n > MF_XDP_MAX_MASKS) {
        n = MF_XDP_MAX_MASKS;
    }
    if (n > 2) {
        idx = flow_hash(key) % MF_XDP_MASK_CACHE;
        cached = bpf_map_lookup_elem(&mask_cache, &idx);
        if (cached && *cached && probe(*cached - 1, &lc)) {
            return lc.hit;
        }
    }
    bpf_loop(n, lookup_active, &lc, 0);
    if (lc.hit && cached) {
        *cached = lc.slot + 1;
    }
    return lc.hit;
}

#endif /* mf-xdp-lookup.h */
