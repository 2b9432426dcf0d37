/*
 * mf-cache-spare: a flow cache program loaded ahead of time.
 *
 * Loading the cache's BPF program runs the kernel's verifier: tens of
 * milliseconds on hardware, seconds under emulation.  The cache's ports
 * are opened under mf_cport_mutex, which every handler, revalidator and
 * the rebalancer need, and an underlay's cache is opened in the middle of
 * a put (a tunnel's first decap flow).  So the program is loaded here,
 * outside any of megaflower's locks, and only attached under the mutex:
 * a port's own when the engine probes it, an underlay's when the engine
 * is about to put flows and one may be needed (mf_cspare_want()).
 */
#ifndef MF_CACHE_SPARE_H
#define MF_CACHE_SPARE_H 1

#include <stdbool.h>
#include <stdint.h>

struct mf_cache;

/* Loads a spare of 'max_flows' entries (0: the default) if there is none
 * of that size.  Call it with none of megaflower's locks held. */
void mf_cspare_fill(uint32_t max_flows);

/* Loads the spare that mf_cspare_want() asked for, if any. */
void mf_cspare_fill_wanted(void);

/* Asks the next mf_cspare_fill_wanted() for a spare of 'max_flows'. */
void mf_cspare_want(uint32_t max_flows);

/* Takes the spare, if it has 'max_flows' entries (0: the default), for the
 * caller to attach (mf_cache_attach_loaded()) or close; else NULL. */
struct mf_cache *mf_cspare_take(uint32_t max_flows);

#endif /* mf-cache-spare.h */
