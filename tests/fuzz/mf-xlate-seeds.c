/*
 * mf-xlate-seeds: the xlate fuzz target's seeds (tests/fuzz/fuzz-xlate.c)
 * from megaflows written as ovs-dpctl prints them, one a line on standard
 * input: "KEY-AND-MASK actions:ACTIONS" (odp_flow_from_string(),
 * odp_actions_from_string()).  Writes each as DIR/seed-N: the key, the
 * mask and the actions, each after its length (2 bytes, host order).
 * With CACHE-DIR, also the cache target's seeds (tests/fuzz/fuzz-cache.c):
 * each megaflow as the XDP flow cache records it, CACHE-DIR/seed-N.
 *
 *   mf-xlate-seeds DIR [CACHE-DIR] < tests/fuzz/xlate-seeds.txt
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf-cache-record.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static void
put(FILE *f, const struct ofpbuf *b)
{
    uint16_t len = b->size;

    fwrite(&len, 2, 1, f);
    fwrite(b->data, 1, b->size, f);
}

int
main(int argc, char *argv[])
{
    char line[4096];
    int n = 0;

    set_program_name(argv[0]);
    if (argc != 2 && argc != 3) {
        ovs_fatal(0, "usage: %s DIR [CACHE-DIR] < MEGAFLOWS", argv[0]);
    }
    while (fgets(line, sizeof line, stdin)) {
        struct ofpbuf key, mask, acts;
        char *sep = strstr(line, " actions:");
        char *error = NULL, path[4096];
        FILE *f;

        line[strcspn(line, "\n")] = '\0';
        if (!sep || line[0] == '#') {
            continue;
        }
        *sep = '\0';
        ofpbuf_init(&key, 256);
        ofpbuf_init(&mask, 256);
        ofpbuf_init(&acts, 256);
        if (odp_flow_from_string(line, NULL, &key, &mask, &error)) {
            ovs_fatal(0, "%s: %s", line, error);
        }
        if (odp_actions_from_string(sep + 9, NULL, &acts)) {
            ovs_fatal(0, "%s: bad actions", sep + 9);
        }
        snprintf(path, sizeof path, "%s/seed-%02d", argv[1], n++);
        f = fopen(path, "wb");
        if (!f) {
            ovs_fatal(errno, "%s", path);
        }
        put(f, &key);
        put(f, &mask);
        fwrite(acts.data, 1, acts.size, f);
        fclose(f);
        if (argc == 3) {
            struct mf_xrecord rec;
            struct match match;

            memset(&match, 0, sizeof match);
            if (odp_flow_key_to_flow(key.data, key.size, &match.flow, &error)
                == ODP_FIT_ERROR
                || odp_flow_key_to_mask(mask.data, mask.size, &match.wc,
                                        &match.flow, &error)
                   == ODP_FIT_ERROR) {
                /* Not a key the kernel would send: no record of it. */
                fprintf(stderr, "seed-%02d: no cache seed: %s\n", n - 1,
                        error ? error : "no match");
                free(error);
                error = NULL;
            } else if (!mf_crecord_encode(&match, acts.data, acts.size,
                                          &rec)) {
                ovs_fatal(0, "%s: too large for a record", line);
            } else {
                snprintf(path, sizeof path, "%s/seed-%02d", argv[2], n - 1);
                f = fopen(path, "wb");
                if (!f) {
                    ovs_fatal(errno, "%s", path);
                }
                fwrite(&rec, 1, sizeof rec, f);
                fclose(f);
            }
        }
        ofpbuf_uninit(&key);
        ofpbuf_uninit(&mask);
        ofpbuf_uninit(&acts);
    }
    printf("%d seeds\n", n);
    return 0;
}
