/*
 * mf-refusal: the megaflows megaflower left in software, and why.
 *
 * Every put that ends in software (translation refused it, or the kernel
 * did) is recorded here under its ufid with the port and the reason, until
 * the flow is offloaded or deleted.  The most recent MF_REFUSAL_MAX flows
 * are kept; older ones drop out of the list (not out of the counts).  Each
 * distinct reason is counted since start, for megaflower/flows.
 */
#ifndef MF_REFUSAL_H
#define MF_REFUSAL_H 1

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct mf_ufid;

#define MF_REFUSAL_MAX 4096         /* Flows listed. */
#define MF_REFUSAL_MAX_REASONS 256  /* Distinct reasons counted. */

/* Records that the flow 'ufid' on 'port' stays in software for 'reason';
 * 'by_kernel' if the kernel refused it rather than translation. */
void mf_refusal_record(const struct mf_ufid *, const char *port,
                       const char *reason, bool by_kernel);

/* Forgets 'ufid': it was offloaded or deleted. */
void mf_refusal_forget(const struct mf_ufid *);

/* Forgets every flow of 'port': its filters were flushed. */
void mf_refusal_forget_port(const char *port);

/* Appends one line per flow in software: "ufid:UUID PORT software: WHY". */
void mf_refusal_format_flows(struct ds *);

/* Appends "N  REASON" lines, most frequent first. */
void mf_refusal_format_reasons(struct ds *);

size_t mf_refusal_n_flows(void);

#endif /* mf-refusal.h */
