/*
 * mf-random: random valid megaflows megaflower must offload, from a seed.
 *
 * Each megaflow is written in ovs-dpctl syntax from random choices (which
 * layers, which fields, values and masks, which actions) restricted to what
 * megaflower offloads, and parsed like the megaflows of mf-megaflows.h.  The
 * property test translates thousands of them there and back; tests/mf-krt
 * can install them in a real kernel.  The same seed gives the same flows.
 */
#ifndef MF_RANDOM_H
#define MF_RANDOM_H 1

#include <stdint.h>

struct ds;

/* Writes the next random megaflow into 'flow' and 'actions' (cleared
 * first), advancing '*seed'. */
void mf_random_megaflow(uint32_t *seed, struct ds *flow, struct ds *actions);

#endif /* mf-random.h */
