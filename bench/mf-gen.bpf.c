/*
 * mf-gen.bpf.c: the traffic of 'make bench-cache' and where it ends
 * (bench/mf-bench-cache.c drives both).
 *
 * mf_gen runs under BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the
 * kernel hands it the same frame over and over as a real XDP frame; it
 * writes the frame anew from 'gen_frame', then the 16-bit big-endian field
 * at 'gen_ofs' as gen_base plus the
 * frame's number modulo 'gen_k' (so that K megaflows, one per value, all
 * get traffic), then redirects the frame to 'gen_ifindex' (a veth: the
 * frame arrives on its peer as from a NIC).
 *
 * mf_sink is attached to the devices the traffic leaves by: it counts
 * frames and bytes, remembers the last frame's length, and drops them.
 *
 * mf_fwd is the ceiling: the least an XDP program can do to forward a
 * frame, a redirect of everything to 'fwd_ifindex', nothing parsed.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the driver (mmapped .bss). */
#define GEN_MAX 128
__u8 gen_frame[GEN_MAX];            /* The frame, 'gen_len' bytes. */
__u32 gen_len = 0;
__u32 gen_ifindex = 0;
__u32 gen_ofs = 0;
__u32 gen_k = 0;                    /* 0 until set: frames abort. */
__u32 gen_base = 0;
__u32 fwd_ifindex = 0;

struct counter {
    __u64 frames;
    __u64 bytes;
    __u64 last_len;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct counter);
} gen_count SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct counter);
} sink_count SEC(".maps");

SEC("xdp")
int
mf_gen(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct counter *c;
    __u32 zero = 0, ofs = gen_ofs, k = gen_k, v;
    __u8 *p;

    c = bpf_map_lookup_elem(&gen_count, &zero);
    if (!c || ofs > 256 || !k) {
        return XDP_ABORTED;
    }
    /* The frame whole, every time: the kernel recycles its pages without
     * restoring them, and whatever the frame went through (a rewrite, a
     * VLAN push into the headroom) changed it. */
    for (int i = 0; i < GEN_MAX; i++) {
        __u8 *b = (__u8 *) data + i;

        if (i >= gen_len || (void *) (b + 1) > end) {
            break;
        }
        *b = gen_frame[i];
    }
    p = data + ofs;
    if ((void *) (p + 2) > end) {
        return XDP_ABORTED;
    }
    v = gen_base + c->frames % k;
    p[0] = v >> 8;
    p[1] = v;
    c->frames++;
    c->bytes += end - data;
    return bpf_redirect(gen_ifindex, 0);
}

SEC("xdp")
int
mf_sink(struct xdp_md *ctx)
{
    struct counter *c;
    __u32 zero = 0;

    c = bpf_map_lookup_elem(&sink_count, &zero);
    if (c) {
        c->frames++;
        c->bytes += ctx->data_end - ctx->data;
        c->last_len = ctx->data_end - ctx->data;
    }
    return XDP_DROP;
}

SEC("xdp")
int
mf_fwd(struct xdp_md *ctx)
{
    return bpf_redirect(fwd_ifindex, 0);
}
