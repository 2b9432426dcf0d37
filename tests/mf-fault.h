/* mf-fault.h -- what the parts of the fault injector tests/mf-fault.so
 * (mf-fault.c: tc requests; mf-fault-bpf.c: BPF map updates) share. */
#ifndef MF_FAULT_H
#define MF_FAULT_H 1

/* The errno values named in SPEC ("ENOSPC EBUSY ..."), at most MAX, in
 * ERRS; returns how many.  Unknown names are skipped. */
int mf_fault_errnos_parse(const char *spec, int *errs, int max);

/* The name of errno value E ("ENOSPC"), or "E?". */
const char *mf_fault_errno_name(int e);

#endif /* mf-fault.h */
