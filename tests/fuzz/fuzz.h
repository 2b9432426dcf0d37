/*
 * fuzz: what megaflower's libFuzzer targets share (tests/fuzz/).
 *
 * Each target defines LLVMFuzzerTestOneInput() and is built twice: with
 * clang and -fsanitize=fuzzer,address,undefined for 'make fuzz', and with
 * the project's compiler and fuzz-replay.c's main() for 'make check',
 * which replays the target's corpus and every crash input ever found
 * (tests/fuzz/corpus/TARGET/, tests/fuzz/regress/TARGET/).
 */
#ifndef FUZZ_H
#define FUZZ_H 1

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The netlink message at the start of 'data', copied to a buffer of its
 * own, or NULL if 'data' holds no whole message, as libmnl passes none on.
 * The buffer ends where libmnl takes the message to end, at 'nlmsg_len'
 * rounded up to 4 bytes (mnl_nlmsg_get_payload_tail()), the padding
 * zeroed: ASan reports any read past that.  The caller frees it. */
static inline struct nlmsghdr *
fuzz_nlmsg(const uint8_t *data, size_t size)
{
    struct nlmsghdr h;
    void *copy;

    if (size < sizeof h) {
        return NULL;
    }
    memcpy(&h, data, sizeof h);
    if (h.nlmsg_len < sizeof h || h.nlmsg_len > size || h.nlmsg_len > 65536) {
        return NULL;
    }
    copy = calloc(1, NLMSG_ALIGN(h.nlmsg_len));
    if (copy) {
        memcpy(copy, data, h.nlmsg_len);
    }
    return copy;
}

#endif /* fuzz.h */
