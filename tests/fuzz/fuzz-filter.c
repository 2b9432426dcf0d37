/*
 * fuzz-filter: libFuzzer target for megaflower's decoder of tc filter
 * messages (mf_filter_decode(), mf_filter_decode_terse()), the kernel's
 * RTM_NEWTFILTER replies to dumps, gets and echoes: the flower options
 * and every action kind megaflower knows (mf-act-*.c).
 *
 * The input is one netlink message.  Both decoders read it.  Whatever
 * they accept must survive what megaflower then does with a decoded
 * filter: encoding it again (mf_filter_encode()), decoding that, and
 * finding it the same rule (mf_filter_same_rule()), as the engine's echo
 * check does; and formatting it (mf_filter_format()), as the engine's
 * refusal reasons and megaflower/flows do.  A decoder that accepts a
 * message it cannot represent is a bug this target reports (abort()).
 */
#include <config.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mf-filter.h"
#include "openvswitch/dynamic-string.h"

/* Says which property the input broke, and stops. */
static void
broken(const char *what, const struct mf_filter *a, const struct mf_filter *b)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "fuzz-filter: %s\n  decoded: ", what);
    mf_filter_format(&s, a);
    if (b) {
        ds_put_cstr(&s, "\n  again:   ");
        mf_filter_format(&s, b);
    }
    fprintf(stderr, "%s\n", ds_cstr(&s));
    ds_destroy(&s);
    abort();
}

/* Decodes the message at 'nlh' as a full or a 'terse' dump's; checks
 * that what it accepts round-trips. */
static void
one(const struct nlmsghdr *nlh, bool terse)
{
    static struct mf_filter f, g;
    static uint8_t buf[MF_MSG_SIZE];
    const char *err = NULL;
    int error;

    error = (terse ? mf_filter_decode_terse : mf_filter_decode)(nlh, &f,
                                                                &err);
    if (error) {
        if (!err) {
            broken("refused without a reason", &f, NULL);
        }
        return;
    }
    if (!terse) {
        const struct nlmsghdr *again;

        again = mf_filter_encode(buf, RTM_NEWTFILTER, 0, &f, true);
        err = NULL;
        if (mf_filter_decode(again, &g, &err)) {
            broken(err, &f, NULL);  /* Decoded, but cannot be said back. */
        }
        if (!mf_filter_same_rule(&f, &g)) {
            broken("encoded and decoded again, a different rule", &f, &g);
        }
    }

    struct ds s = DS_EMPTY_INITIALIZER;

    mf_filter_format(&s, &f);
    ds_destroy(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nlmsghdr *nlh = fuzz_nlmsg(data, size);

    if (nlh) {
        one(nlh, false);
        one(nlh, true);
        free(nlh);
    }
    return 0;
}
