/* mf-fault-bpf.c -- the fault injector's BPF part (see mf-fault.c): an
 * LD_PRELOAD object for ovs-vswitchd, built only for the tests and never
 * linked into megaflower.
 *
 * libbpf's bpf() wrapper calls glibc's syscall(); this wraps it, and acts
 * only on BPF_MAP_UPDATE_ELEM commands whose flags are BPF_NOEXIST or
 * BPF_EXIST: the flow cache adds its entries with BPF_NOEXIST and
 * replaces them with BPF_EXIST, and writes its other maps (subtables,
 * devmaps, outer headers) with BPF_ANY, which goes through untouched.
 *
 *   MF_FAULT_BPF_ERRNO="ENOMEM E2BIG ..." MF_FAULT_BPF_EVERY=N
 *       Every N-th add (BPF_NOEXIST) and every N-th replace (BPF_EXIST),
 *       counted apart, fails with the errors in turn, and the kernel
 *       never sees it: the map is unchanged, as when the kernel refuses
 *       (E2BIG: a hash map at max_entries; ENOMEM: no memory for the
 *       element; EBUSY: the map is locked by a program on this CPU).
 *   MF_FAULT_LOG=FILE
 *       At exit, "seen FLAG N" for the updates of each flag (BPF_NOEXIST,
 *       BPF_EXIST) it looked at, and "injected FLAG ERRNO N" for each
 *       flag and error. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "mf-fault.h"


typedef long syscall_fn(long, ...);

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static int ready;                   /* 0: the environment not read yet. */
static int errnos[MAX_ERRNOS], n_errnos;
static unsigned long every, next_err;
static unsigned long n_seen[2], injected[2][MAX_ERRNOS];  /* [replace?]. */
static const char *const flag_names[2] = { "BPF_NOEXIST", "BPF_EXIST" };

static void
summary(void)
{
    FILE *f = mf_fault_log_open();

    if (!f) {
        return;
    }
    for (int r = 0; r < 2; r++) {
        fprintf(f, "seen %s %lu\n", flag_names[r], n_seen[r]);
        for (int i = 0; i < n_errnos; i++) {
            fprintf(f, "injected %s %s %lu\n", flag_names[r],
                    mf_fault_errno_name(errnos[i]), injected[r][i]);
        }
    }
    fclose(f);
}

/* The error to inject into this add (R = 0) or replace (R = 1), or 0.
 * Called under 'mutex'. */
static int
pick(int r)
{
    int i;

    if (!ready) {
        const char *e = getenv("MF_FAULT_BPF_EVERY");

        ready = 1;
        n_errnos = mf_fault_errnos_parse(getenv("MF_FAULT_BPF_ERRNO"),
                                         errnos, MAX_ERRNOS);
        every = e ? strtoul(e, NULL, 10) : 0;
        if (n_errnos && every) {
            atexit(summary);
        }
    }
    if (!n_errnos || !every || ++n_seen[r] % every) {
        return 0;
    }
    i = next_err++ % n_errnos;
    injected[r][i]++;
    return errnos[i];
}

long
syscall(long nr, ...)
{
    static syscall_fn *real_syscall;
    long a[6];
    va_list ap;

    va_start(ap, nr);
    for (int i = 0; i < 6; i++) {
        a[i] = va_arg(ap, long);
    }
    va_end(ap);
    if (!real_syscall) {
        real_syscall = (syscall_fn *) dlsym(RTLD_NEXT, "syscall");
    }
    if (nr == __NR_bpf && a[0] == BPF_MAP_UPDATE_ELEM && a[1]) {
        const union bpf_attr *attr = (const union bpf_attr *) a[1];
        int e = 0;

        if (attr->flags == BPF_NOEXIST || attr->flags == BPF_EXIST) {
            pthread_mutex_lock(&mutex);
            e = pick(attr->flags == BPF_EXIST);
            pthread_mutex_unlock(&mutex);
        }
        if (e) {
            errno = e;
            return -1;
        }
    }
    return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
