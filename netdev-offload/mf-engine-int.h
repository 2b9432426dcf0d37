/*
 * mf-engine-int: what the engine's own files (mf-engine.c, the placements
 * and routing; mf-engine-view.c, dumps and what operators see) share.
 * Not for other modules.
 */
#ifndef MF_ENGINE_INT_H
#define MF_ENGINE_INT_H 1

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct mf_backend;

/* The backends, in order of preference: backend 'i', or NULL. */
const struct mf_backend *mf_engine_backend(size_t i);
size_t mf_engine_n_backends(void);

/* The backends that serve 'ifindex' or still hold flows there (bit i:
 * backend i). */
unsigned int mf_engine_port_held(uint32_t ifindex);

/* The ports the engine set up, copied out ('*n' of them). */
struct mf_engine_port_row {
    uint32_t ifindex;
    char name[IFNAMSIZ];
    unsigned int served;
};
struct mf_engine_port_row *mf_engine_port_rows(size_t *n);

#endif /* mf-engine-int.h */
