/* check-ports: megaflower's copy of OVS's port table (mf-ports), filled
 * from OVS's own table with netdev-dummy ports. */
#include <config.h>
#include "mf-unit.h"

#include <unistd.h>

#include "dpif.h"
#include "mf-ports.h"
#include "dummy.h"
#include "netdev-offload.h"
#include "netdev.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"

/* OVS compares dpif types by address: one string for every call. */
static const char DPIF_TYPE[] = "system";

/* Opens dummy port 'name' of 'type' with 'ifindex' and puts it in OVS's
 * table as odp port 'port'. */
static struct netdev *
add_port(const char *name, const char *type, int ifindex, uint32_t port,
         uint8_t mac_last)
{
    struct dpif_port dp = { .name = CONST_CAST(char *, name),
                            .type = CONST_CAST(char *, type),
                            .port_no = u32_to_odp(port) };
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 00);
    struct smap args = SMAP_INITIALIZER(&args);
    struct netdev *netdev;

    ck_assert_int_eq(netdev_open(name, type, &netdev), 0);
    smap_add_format(&args, "ifindex", "%d", ifindex);
    ck_assert_int_eq(netdev_set_config(netdev, &args, NULL), 0);
    smap_destroy(&args);
    mac.ea[5] = mac_last;
    ck_assert_int_eq(netdev_set_etheraddr(netdev, mac), 0);
    netdev_set_dpif_type(netdev, DPIF_TYPE);
    ck_assert_int_eq(netdev_ports_insert(netdev, &dp), 0);
    return netdev;
}

static void
setup(void)
{
    static bool done;

    if (!done) {
        done = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        /* "system" and "internal" are dummies of those types. */
        netdev_dummy_register(DUMMY_OVERRIDE_ALL);
    }
    mf_ports_set_dpif_type(DPIF_TYPE);
}

/* Takes odp port 'port' out of OVS's table and closes 'netdev' (the
 * tests run in one process under valgrind: each leaves the table as it
 * found it). */
static void
del_port(struct netdev *netdev, uint32_t port)
{
    netdev_ports_remove(u32_to_odp(port), DPIF_TYPE);
    netdev_close(netdev);
}

START_TEST(test_lookups)
{
    struct netdev *p1, *p2;
    struct mf_ports_entry e;

    setup();
    p1 = add_port("mfp1", "system", 11, 5, 0x11);
    p2 = add_port("mfp2", "internal", 12, 7, 0x12);
    mf_ports_refresh(true);
    ck_assert_uint_eq(mf_ports_count(), 2);

    ck_assert(mf_ports_by_odp(u32_to_odp(5), &e));
    ck_assert_uint_eq(e.ifindex, 11);
    ck_assert_int_eq(e.kind, MF_PORT_NETDEV);
    ck_assert(e.has_mac && e.mac.ea[5] == 0x11);
    ck_assert(!e.has_tnl_type);

    ck_assert(mf_ports_by_ifindex(12, &e));
    ck_assert_uint_eq(odp_to_u32(e.odp_port), 7);
    ck_assert_int_eq(e.kind, MF_PORT_INTERNAL);
    ck_assert(e.mac.ea[5] == 0x12);

    ck_assert(!mf_ports_by_odp(u32_to_odp(9), &e));
    ck_assert(!mf_ports_by_ifindex(99, &e));
    del_port(p1, 5);
    del_port(p2, 7);
    mf_ports_changed();
    mf_ports_refresh(false);
    ck_assert_uint_eq(mf_ports_count(), 0);
}
END_TEST

/* A port that leaves OVS's table stays in the copy until a change is
 * signalled; a port that comes unsignalled is found once a lookup missed
 * and the miss interval passed. */
START_TEST(test_changes_and_misses)
{
    struct netdev *p1, *p3;
    struct mf_ports_entry e;

    setup();
    p1 = add_port("mfp1", "system", 11, 5, 0x11);
    mf_ports_refresh(true);
    ck_assert(mf_ports_by_odp(u32_to_odp(5), &e));

    ck_assert_int_eq(netdev_ports_remove(u32_to_odp(5), DPIF_TYPE), 0);
    mf_ports_refresh(false);
    ck_assert(mf_ports_by_odp(u32_to_odp(5), &e));      /* Not due yet. */
    mf_ports_changed();
    mf_ports_refresh(false);
    ck_assert(!mf_ports_by_odp(u32_to_odp(5), &e));

    /* That miss asks for a rebuild, but not before the interval. */
    p3 = add_port("mfp3", "system", 13, 9, 0x13);
    mf_ports_refresh(false);
    ck_assert(!mf_ports_by_odp(u32_to_odp(9), &e));
    usleep(150 * 1000);
    mf_ports_refresh(false);
    ck_assert(mf_ports_by_odp(u32_to_odp(9), &e));
    ck_assert_uint_eq(e.ifindex, 13);
    netdev_close(p1);           /* Out of OVS's table already. */
    del_port(p3, 9);
}
END_TEST

Suite *
mf_ports_suite(void)
{
    Suite *s = suite_create("ports");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_lookups);
    tcase_add_test(tc, test_changes_and_misses);
    suite_add_tcase(s, tc);
    return s;
}
