/*
 * fuzz-cache: libFuzzer target for the reader of the XDP flow cache's
 * records (mf_crecord_decode(), mf-cache-record.h): a restart after a
 * crash reads them from the kernel, where the dead run left them, to
 * adopt its flows.
 *
 * The input is a record's bytes, the rest of the record zero; an input of
 * any other size than a record's is refused whole, with a reason.  A
 * record the reader takes must encode back into itself (its counters'
 * index and padding aside): nothing is lost or made up on the way, and
 * the megaflow it gives is what the cache recorded.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mf-cache-record.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"

static void
broken(const char *what)
{
    fprintf(stderr, "fuzz-cache: %s\n", what);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_xrecord *rec = calloc(1, sizeof *rec);
    struct mf_xrecord *again = calloc(1, sizeof *again);
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct nlattr *actions;
    size_t actions_len;
    struct match match;
    struct mf_err err;
    int error;

    if (size) {
        memcpy(rec, data, size < sizeof *rec ? size : sizeof *rec);
    }
    if (size != sizeof *rec
        && !mf_crecord_decode(rec, size, &match, &actions, &actions_len,
                              &err)) {
        broken("a record of the wrong size taken");
    }
    memset(&err, 0xa5, sizeof err);
    error = mf_crecord_decode(rec, sizeof *rec, &match, &actions,
                              &actions_len, &err);
    if (error) {
        if (!memchr(err.msg, '\0', sizeof err.msg) || !err.msg[0]) {
            broken("a refusal without a reason");
        }
    } else {
        if (!mf_crecord_encode(&match, actions, actions_len, again)) {
            broken("a record taken does not encode again");
        }
        again->stats_idx = rec->stats_idx;
        again->pad = rec->pad;
        if (memcmp(again, rec, sizeof *rec)) {
            broken("a record taken encodes into other bytes");
        }
        match_format(&match, NULL, &s, OFP_DEFAULT_PRIORITY);
    }
    ds_destroy(&s);
    free(again);
    free(rec);
    return 0;
}
