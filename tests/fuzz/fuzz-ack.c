/*
 * fuzz-ack: libFuzzer target for megaflower's reader of the kernel's
 * acknowledgements and errors (mf_nl_ack_parse()): the error code, and
 * the extack text (NLMSGERR_ATTR_MSG) after a capped or whole copy of the
 * request.  That text becomes the reason an operator reads.
 *
 * The input is one netlink message.  Whatever the reader makes of it, the
 * reason must be a NUL-terminated string within 'struct mf_err', the
 * error a positive errno or 0, and a malformed message EPROTO.
 */
#include <config.h>

#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mf-nl.h"

static void
broken(const char *what, const struct mf_err *err)
{
    fprintf(stderr, "fuzz-ack: %s (error %d)\n", what, err->error);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nlmsghdr *nlh = fuzz_nlmsg(data, size);
    struct mf_err err;
    bool ok;

    if (!nlh) {
        return 0;
    }
    memset(&err, 0xa5, sizeof err);
    ok = mf_nl_ack_parse(nlh, &err);
    free(nlh);
    if (!memchr(err.msg, '\0', sizeof err.msg)) {
        broken("reason not terminated", &err);
    }
    if (err.error < 0 || err.error > 4095) {
        broken("not an errno", &err);
    }
    if (!ok && err.error != EPROTO) {
        broken("malformed, but not EPROTO", &err);
    }
    if (ok && err.error && !err.msg[0]) {
        broken("an error without a reason", &err);
    }
    return 0;
}
