/* mf-cache-quiesce: waiting until the XDP programs' runs no longer hold
 * what the loader changed (mf-cache-quiesce.h). */
#include <config.h>

#include "mf-cache-quiesce.h"
#include "mf-cache-rt.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "coverage.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_quiesce);

/* mf_cquiesce_runs(): no run under way, runs waited for, and a wait that
 * took a grace period instead. */
COVERAGE_DEFINE(mf_cache_quiesce_idle);
COVERAGE_DEFINE(mf_cache_quiesce_waited);
COVERAGE_DEFINE(mf_cache_quiesce_slow);

void
mf_cache_grace_period(void)
{
    static bool warned;

    if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0) {
        if (!warned) {
            warned = true;
            VLOG_WARN("membarrier(MEMBARRIER_CMD_GLOBAL): %s; waiting "
                      "100 ms for an RCU grace period instead",
                      ovs_strerror(errno));
        }
        usleep(100 * 1000);
    }
}

void
mf_cquiesce_runs(struct mf_xruns *runs, int n_cpus)
{
#if defined(__x86_64__) || defined(__i386__)
    uint64_t begun[MF_XDP_MAX_CPUS];
    long long int deadline = 0;
    bool busy = false;

    /* Not on PREEMPT_RT, where a run can be preempted by another on its
     * CPU, and the counts no longer say which runs have ended. */
    if (n_cpus > 0 && n_cpus <= MF_XDP_MAX_CPUS && !mf_cache_rt_kernel()) {
        /* The removal's writes before the reads of the counts. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        for (int i = 0; i < n_cpus; i++) {
            begun[i] = __atomic_load_n(&runs[i].in, __ATOMIC_ACQUIRE);
            busy |= __atomic_load_n(&runs[i].out, __ATOMIC_ACQUIRE)
                    != begun[i];
        }
        for (int i = 0; busy && i < n_cpus; i++) {
            while (__atomic_load_n(&runs[i].out, __ATOMIC_ACQUIRE)
                   < begun[i]) {
                if (!deadline) {
                    deadline = time_msec() + 100;
                } else if (time_msec() > deadline) {
                    COVERAGE_INC(mf_cache_quiesce_slow);
                    mf_cache_grace_period();
                    return;
                }
                sched_yield();
            }
        }
        if (busy) {
            COVERAGE_INC(mf_cache_quiesce_waited);
        } else {
            COVERAGE_INC(mf_cache_quiesce_idle);
        }
        return;
    }
#endif
    mf_cache_grace_period();
}
