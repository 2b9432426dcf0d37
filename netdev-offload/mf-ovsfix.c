/* mf-ovsfix: fixes of OVS 3.1 bugs, by link-time wraps (see the header). */
#include <config.h>
#include "mf-ovsfix.h"

#include <sched.h>
#include <unistd.h>

#include "openvswitch/vlog.h"

VLOG_DEFINE_THIS_MODULE(mf_ovsfix);

/* The CPUs this process may run on, as OVS's count_cpu_cores__() counts
 * them, or 0 if the kernel will not say. */
static int
count_affinity_cpus(void)
{
    long int n = sysconf(_SC_NPROCESSORS_CONF);
    cpu_set_t *set;
    int count = 0;

    if (n <= 0) {
        return 0;
    }
    set = CPU_ALLOC(n);
    if (set) {
        size_t size = CPU_ALLOC_SIZE(n);

        if (!sched_getaffinity(0, size, set)) {
            count = CPU_COUNT_S(size, set);
        }
        CPU_FREE(set);
    }
    if (!count) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        count = n > 0 ? n : 0;
    }
    return count;
}

int
__wrap_count_cpu_cores(void)
{
    int n = __real_count_cpu_cores();

    if (n <= 0) {
        /* OVS 3.1's cache is empty in the first 10 s after boot. */
        n = count_affinity_cpus();
        VLOG_INFO_ONCE("OVS counted 0 CPU cores (its count is not made in "
                       "the first 10 s after boot); using the %d this "
                       "process may run on", n);
    }
    return n;
}
