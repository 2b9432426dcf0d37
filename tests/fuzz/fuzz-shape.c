/*
 * fuzz-shape: libFuzzer target for mf-shape, which decides from a filter
 * request's shape whether the kernel's echo can be skipped.
 *
 * The input is one netlink message.  mf_shape_of() must read any message
 * safely.  And the property the echo skipping rests on: bytes that
 * mf_shape_for_each_verbatim() names as verbatim (values the kernel copies
 * in and dumps back untouched) may take any value without changing the
 * shape; if they changed it, a proven shape would not cover the filters
 * it is used for.
 */
#include <config.h>

#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mf-filter.h"
#include "mf-shape.h"
#include "util.h"

/* Gives each verbatim byte another value. */
static void
scramble(void *bytes, size_t n, const struct nlattr *a OVS_UNUSED,
         const struct mf_act_ops *ops OVS_UNUSED, void *aux OVS_UNUSED)
{
    uint8_t *p = bytes;

    for (size_t i = 0; i < n; i++) {
        p[i] = ~p[i] ^ (uint8_t) (i * 37);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t shape[MF_SHAPE_MAX], shape2[MF_SHAPE_MAX];
    struct nlmsghdr *nlh = fuzz_nlmsg(data, size);
    struct nlmsghdr *other = fuzz_nlmsg(data, size);
    size_t len, len2;

    if (!nlh || !other) {
        free(nlh);
        free(other);
        return 0;
    }
    len = mf_shape_of(nlh, shape);
    if (len) {
        mf_shape_for_each_verbatim(other, scramble, NULL);
        len2 = mf_shape_of(other, shape2);
        if (len2 != len || memcmp(shape, shape2, len)) {
            fprintf(stderr, "fuzz-shape: verbatim bytes changed the shape "
                    "(%zu bytes, then %zu)\n", len, len2);
            abort();
        }
    }
    free(nlh);
    free(other);
    return 0;
}
