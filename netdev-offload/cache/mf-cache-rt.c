/* mf-cache-rt: whether this kernel may interleave two runs of the XDP
 * flow cache's program on one CPU (mf-cache-rt.h). */
#include <config.h>

#include "mf-cache-rt.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "openvswitch/thread.h"

/* The option's line in a configuration that has it switched off. */
#define NO_BH_LOCK "# CONFIG_PREEMPT_RT_NEEDS_BH_LOCK is not set"

/* Whether the file 'realtime' (a kernel's /sys/kernel/realtime) says 1. */
static bool
is_rt(const char *realtime)
{
    char line[8];
    bool rt = false;
    FILE *f = fopen(realtime, "r");

    if (f) {
        rt = fgets(line, sizeof line, f) && line[0] == '1';
        fclose(f);
    }
    return rt;
}

bool
mf_cache_rt_kernel(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static bool rt;

    if (ovsthread_once_start(&once)) {
        rt = is_rt("/sys/kernel/realtime");
        ovsthread_once_done(&once);
    }
    return rt;
}

bool
mf_cache_rt_interleaves(const char *realtime, const char *config, char *why,
                        size_t why_size)
{
    bool seen = false, no_lock = false;
    char line[256];
    FILE *f;

    if (!is_rt(realtime)) {
        return false;
    }
    f = fopen(config, "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "CONFIG_PREEMPT_RT=", 18)) {
                seen = true;
            } else if (!strncmp(line, NO_BH_LOCK, strlen(NO_BH_LOCK))) {
                no_lock = true;
            }
        }
        fclose(f);
    }
    if (seen && !no_lock) {
        /* A per-CPU lock serialises bottom halves. */
        return false;
    }
    snprintf(why, why_size, "a PREEMPT_RT kernel %s%s: two runs of the "
             "program could interleave on a CPU, which its per-CPU key and "
             "counters do not allow",
             seen ? "without CONFIG_PREEMPT_RT_NEEDS_BH_LOCK"
                  : "whose configuration does not say whether it has "
                    "CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: no CONFIG_PREEMPT_RT "
                    "in ", seen ? "" : config);
    return true;
}

const char *
mf_cache_rt_refusal(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static char why[256];
    static bool refused;

    if (ovsthread_once_start(&once)) {
        struct utsname u;
        char config[sizeof u.release + 16];

        if (!uname(&u)) {
            snprintf(config, sizeof config, "/boot/config-%s", u.release);
        } else {
            config[0] = '\0';
        }
        refused = mf_cache_rt_interleaves("/sys/kernel/realtime", config, why,
                                          sizeof why);
        ovsthread_once_done(&once);
    }
    return refused ? why : NULL;
}
