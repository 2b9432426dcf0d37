/* mf-cache-attach: the flow cache's program on a device's XDP hook
 * (mf-cache-attach.h). */
#include <config.h>

#include "mf-cache-attach.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "coverage.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_attach);

COVERAGE_DEFINE(mf_cache_leftover_removed);

/* The name the program has in the kernel (BPF_OBJ_NAME_LEN), by which a
 * flow cache left by an earlier run is known. */
#define PROG_NAME "mf_xdp"

const char *
mf_cache_attach_name(enum mf_cache_attach a)
{
    return a == MF_CACHE_NATIVE ? "native"
           : a == MF_CACHE_GENERIC ? "generic" : "detached";
}

static int
libbpf_errno(long ret)
{
    return ret < 0 ? -ret : ret ? ret : EINVAL;
}

static int
ethtool(const char *name, void *cmd)
{
    struct ifreq ifr;
    int fd, error = 0;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ifr.ifr_data = cmd;
    if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
        error = errno;
    }
    close(fd);
    return error;
}

bool
mf_cache_is_veth(const char *name)
{
    struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };

    return !ethtool(name, &info) && !strcmp(info.driver, "veth");
}

/* Whether the device strips VLAN tags into the skb on receive. */
static bool
rxvlan_on(const char *name)
{
    struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };

    return !ethtool(name, &v) && (v.data & ETH_FLAG_RXVLAN);
}

/* Opens the program 'id' into '*fd' if it is a flow cache an earlier run
 * left ('*fd' is -1 if it has gone meanwhile); EBUSY if it is another
 * tool's. */
static int
prog_ours(const char *name, uint32_t id, int *fd, struct mf_err *err)
{
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    int e;

    *fd = bpf_prog_get_fd_by_id(id);
    if (*fd < 0) {
        *fd = -1;
        return errno == ENOENT ? 0 : mf_err_set(err, errno, "%s: reading "
                                                "the attached XDP program: "
                                                "%s", name,
                                                ovs_strerror(errno));
    }
    memset(&info, 0, sizeof info);
    if (bpf_obj_get_info_by_fd(*fd, &info, &len)) {
        e = mf_err_set(err, errno, "%s: reading the attached XDP program: "
                       "%s", name, ovs_strerror(errno));
    } else if (strcmp(info.name, PROG_NAME)) {
        e = mf_err_set(err, EBUSY, "%s: another XDP program is attached "
                       "(id %"PRIu32", name \"%s\"): megaflower leaves it "
                       "alone", name, id, info.name);
    } else {
        return 0;
    }
    close(*fd);
    *fd = -1;
    return e;
}

int
mf_cache_attach_leftover(uint32_t ifindex, const char *name, int *prog_fd,
                         enum mf_cache_attach *attach, struct mf_err *err)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    int e = bpf_xdp_query(ifindex, 0, &q);

    *prog_fd = -1;
    *attach = MF_CACHE_DETACHED;
    if (e) {
        return mf_err_set(err, libbpf_errno(e), "%s: querying XDP: %s", name,
                          ovs_strerror(libbpf_errno(e)));
    }
    if (q.hw_prog_id) {
        return mf_err_set(err, EBUSY, "%s: an XDP program is offloaded to "
                          "the NIC (id %"PRIu32")", name, q.hw_prog_id);
    }
    e = q.drv_prog_id ? prog_ours(name, q.drv_prog_id, prog_fd, err) : 0;
    if (!e && *prog_fd >= 0) {
        *attach = MF_CACHE_NATIVE;
    } else if (!e && q.skb_prog_id) {
        e = prog_ours(name, q.skb_prog_id, prog_fd, err);
        *attach = *prog_fd >= 0 ? MF_CACHE_GENERIC : MF_CACHE_DETACHED;
    }
    return e;
}

static uint32_t
attach_flags(enum mf_cache_attach a)
{
    return a == MF_CACHE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

int
mf_cache_attach_clear(uint32_t ifindex, const char *name, struct mf_err *err)
{
    /* At most one program in each mode. */
    for (int i = 0; i < 2; i++) {
        enum mf_cache_attach a;
        int fd, e;

        e = mf_cache_attach_leftover(ifindex, name, &fd, &a, err);
        if (e || fd < 0) {
            return e;
        }
        LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
        e = bpf_xdp_detach(ifindex, attach_flags(a) | XDP_FLAGS_REPLACE,
                           &opts);
        close(fd);
        if (e && e != -EEXIST) {
            return mf_err_set(err, libbpf_errno(e), "%s: removing the flow "
                              "cache an earlier run left: %s", name,
                              ovs_strerror(libbpf_errno(e)));
        }
        COVERAGE_INC(mf_cache_leftover_removed);
        VLOG_INFO("%s: removed the flow cache an earlier run left (%s XDP)",
                  name, mf_cache_attach_name(a));
    }
    return 0;
}

int
mf_cache_attach_replace(uint32_t ifindex, const char *name, int prog_fd,
                        int old_fd, enum mf_cache_attach old,
                        struct mf_err *err)
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
    int e = bpf_xdp_attach(ifindex, prog_fd,
                           attach_flags(old) | XDP_FLAGS_REPLACE, &opts);

    return e ? mf_err_set(err, libbpf_errno(e), "%s: putting the flow cache "
                          "in place of an earlier run's (%s XDP): %s", name,
                          mf_cache_attach_name(old),
                          ovs_strerror(libbpf_errno(e))) : 0;
}

int
mf_cache_attach(uint32_t ifindex, const char *name, int prog_fd,
                enum mf_cache_xdp_mode mode, enum mf_cache_attach *attach,
                const char **why, struct mf_err *err)
{
    bool veth = mf_cache_is_veth(name);
    int e;

    *attach = MF_CACHE_DETACHED;
    if (!veth && rxvlan_on(name)) {
        return mf_err_set(err, EOPNOTSUPP, "%s: rx-vlan-offload is on: XDP "
                          "would see VLAN-tagged frames as untagged (turn it "
                          "off: ethtool -K %s rxvlan off)", name, name);
    }
    e = mf_cache_attach_clear(ifindex, name, err);
    if (e) {
        return e;
    }

    if (mode == MF_CACHE_XDP_NATIVE
        || (mode == MF_CACHE_XDP_AUTO && !veth)) {
        e = bpf_xdp_attach(ifindex, prog_fd,
                           XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
                           NULL);
        if (!e) {
            *attach = MF_CACHE_NATIVE;
            *why = mode == MF_CACHE_XDP_NATIVE ? "megaflower-cache-xdp-mode "
                   "is native" : "the driver has native XDP";
            return 0;
        }
        if (mode == MF_CACHE_XDP_NATIVE) {
            return mf_err_set(err, libbpf_errno(e), "%s: attaching XDP in "
                              "native mode (megaflower-cache-xdp-mode=native):"
                              " %s", name, ovs_strerror(libbpf_errno(e)));
        }
        *why = "the driver has no native XDP";
    } else {
        *why = (mode == MF_CACHE_XDP_GENERIC
                ? "megaflower-cache-xdp-mode is generic"
                : "a veth: native XDP would take its peer's GSO");
    }
    e = bpf_xdp_attach(ifindex, prog_fd,
                       XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
    if (e) {
        return mf_err_set(err, libbpf_errno(e), "%s: attaching XDP in "
                          "generic mode: %s", name,
                          ovs_strerror(libbpf_errno(e)));
    }
    *attach = MF_CACHE_GENERIC;
    return 0;
}

void
mf_cache_detach(uint32_t ifindex, const char *name, int prog_fd,
                enum mf_cache_attach attach)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
    int e;

    if (attach == MF_CACHE_DETACHED) {
        return;
    }
    e = bpf_xdp_detach(ifindex, attach_flags(attach) | XDP_FLAGS_REPLACE,
                       &opts);
    /* ENODEV: the device is gone, and the program with it.  EEXIST: ours
     * is no longer there. */
    if (e && e != -ENODEV && e != -EEXIST) {
        VLOG_WARN_RL(&rl, "%s: detaching the flow cache: %s", name,
                     ovs_strerror(libbpf_errno(e)));
    }
}
