/* mf-fault.h -- what the parts of the fault injector tests/mf-fault.so
 * (mf-fault.c: tc requests; mf-fault-bpf.c: BPF map updates) share. */
#ifndef MF_FAULT_H
#define MF_FAULT_H 1

#include <stdio.h>

/* The most errno values one MF_FAULT_*ERRNO variable names. */
#define MAX_ERRNOS 8

/* The errno values named in SPEC ("ENOSPC EBUSY ..."), at most MAX, in
 * ERRS; returns how many.  Unknown names are skipped. */
int mf_fault_errnos_parse(const char *spec, int *errs, int max);

/* The name of errno value E ("ENOSPC"), or "E?". */
const char *mf_fault_errno_name(int e);

/* MF_FAULT_LOG, opened for appending, or NULL (unset, or it cannot be
 * opened). */
FILE *mf_fault_log_open(void);

#endif /* mf-fault.h */
