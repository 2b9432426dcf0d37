/*
 * mf-ovsfix: fixes of Open vSwitch 3.1 bugs that megaflower's ovs-vswitchd
 * carries, applied by link-time wraps (see Makefile.am), so that they hold
 * for a bundled OVS and for a tree given with --with-ovs alike, and OVS's
 * source stays as Debian ships it.
 *
 * count_cpu_cores().  OVS 3.1 refreshes its cached answer only when
 * time_msec() - last_updated >= 10,000 ms, with last_updated starting at 0;
 * time_msec() is the monotonic clock, which counts from boot.  So during
 * the first 10 s after boot it answers 0.  With the kernel datapath's
 * per-CPU upcall dispatch, dpif-netlink then gives the kernel no upcall
 * sockets (ofproto-dpif-upcall: "Overriding n-handler-threads to 0") and
 * every miss is dropped: a switch started by an init system that early
 * forwards nothing.  The wrap answers with the CPUs this process may run
 * on whenever OVS's own answer is 0.  (docs/design.md, "OVS 3.1 at boot".)
 */
#ifndef MF_OVSFIX_H
#define MF_OVSFIX_H 1

int __real_count_cpu_cores(void);
int __wrap_count_cpu_cores(void);

#endif /* mf-ovsfix.h */
