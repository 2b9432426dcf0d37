/* check-rxdf: the DF-on-receive probe's reading of the kernel datapath's
 * upcalls (mf-cache-rxdf.h), whole, cut short and mutated. */
#include <config.h>
#include "mf-unit.h"

#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdlib.h>
#include <string.h>

#include "mf-cache-rxdf.h"
#include "odp-netlink.h"

/* An OVS_PACKET_CMD_MISS as the kernel sends one for the probe's packet:
 * its key (priority, the tunnel: id 'id', the probe's addresses, ttl,
 * DF if 'df'; in_port), then the packet.  Returns its length; the end of
 * the key's nest into '*key_end'. */
static size_t
upcall(char *buf, uint64_t id, bool df, size_t *key_end)
{
    struct nlmsghdr *nlh;
    struct nlattr *key, *tun;
    struct genlmsghdr *g;
    struct ovs_header *oh;
    uint8_t frame[60] = { 0 };
    uint64_t be_id = htobe64(id);

    /* libmnl 1.0.4 leaves attribute padding unwritten. */
    memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = 0x20;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = OVS_PACKET_CMD_MISS;
    oh = mnl_nlmsg_put_extra_header(nlh, sizeof *oh);
    oh->dp_ifindex = 7;
    key = mnl_attr_nest_start(nlh, OVS_PACKET_ATTR_KEY);
    mnl_attr_put_u32(nlh, OVS_KEY_ATTR_PRIORITY, 0);
    tun = mnl_attr_nest_start(nlh, OVS_KEY_ATTR_TUNNEL);
    mnl_attr_put(nlh, OVS_TUNNEL_KEY_ATTR_ID, 8, &be_id);
    mnl_attr_put_u32(nlh, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, htonl(0xc0000201));
    mnl_attr_put_u32(nlh, OVS_TUNNEL_KEY_ATTR_IPV4_DST, htonl(0xc0000202));
    mnl_attr_put_u8(nlh, OVS_TUNNEL_KEY_ATTR_TTL, 64);
    if (df) {
        mnl_attr_put(nlh, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, 0, NULL);
    }
    mnl_attr_nest_end(nlh, tun);
    mnl_attr_put_u32(nlh, OVS_KEY_ATTR_IN_PORT, 1);
    mnl_attr_nest_end(nlh, key);
    *key_end = (char *) mnl_nlmsg_get_payload_tail(nlh) - buf;
    mnl_attr_put(nlh, OVS_PACKET_ATTR_PACKET, sizeof frame, frame);
    return nlh->nlmsg_len;
}

/* mf_cache_rxdf_upcall() on 'n' bytes of 'msg' in a buffer of exactly that
 * size (valgrind and ASan see any read past it). */
static int
read_exact(const char *msg, size_t n)
{
    char *copy = malloc(n ? n : 1);
    int a;

    memcpy(copy, msg, n);
    a = mf_cache_rxdf_upcall(copy, n);
    free(copy);
    return a;
}

START_TEST(test_rxdf_answers)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    size_t end, n;

    n = upcall(buf, 42, true, &end);
    ck_assert_int_eq(read_exact(buf, n), 'R');
    n = upcall(buf, 42, false, &end);
    ck_assert_int_eq(read_exact(buf, n), 'N');
    /* Another packet's upcall (another tunnel key) is not the answer. */
    n = upcall(buf, 43, true, &end);
    ck_assert_int_eq(read_exact(buf, n), 0);
    /* Headers only. */
    ck_assert_int_eq(read_exact(buf, sizeof(struct nlmsghdr)), 0);
    ck_assert_int_eq(read_exact(buf, 0), 0);
}
END_TEST

/* Cut anywhere (the message's length saying so): the answer is the whole
 * message's once the key's nest is whole, and none before: a nest that
 * does not fit is not read, so no cut can drop DF and leave the rest.
 * (This found that libmnl reads to the message's aligned end: an
 * unaligned length is refused now.) */
START_TEST(test_rxdf_cut)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    size_t end, n = upcall(buf, 42, true, &end);

    for (size_t len = 0; len <= n; len++) {
        char cut[MNL_SOCKET_BUFFER_SIZE];
        int a;

        memcpy(cut, buf, len);
        if (len >= sizeof(struct nlmsghdr)) {
            ((struct nlmsghdr *) cut)->nlmsg_len = len;
        }
        a = read_exact(cut, len);
        /* An unaligned length is no kernel's, and read as none. */
        ck_assert_msg(a == (len >= end && len % 4 == 0 ? 'R' : 0),
                      "cut at %zu of %zu (key ends at %zu): answer %d",
                      len, n, end, a);
    }
}
END_TEST

/* One to four bytes changed, 20,000 times: any answer, no crash and no
 * read out of bounds. */
START_TEST(test_rxdf_mutate)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    size_t end, n = upcall(buf, 42, true, &end);
    uint32_t seed = 1;
    int seen[3] = { 0 };

    for (int i = 0; i < 20000; i++) {
        char m[MNL_SOCKET_BUFFER_SIZE];
        int a;

        memcpy(m, buf, n);
        for (int j = 0; j <= i % 4; j++) {
            seed = seed * 1103515245 + 12345;
            m[(seed >> 8) % n] = seed >> 24;
        }
        a = read_exact(m, n);
        ck_assert(a == 0 || a == 'R' || a == 'N');
        seen[a == 'R' ? 0 : a == 'N' ? 1 : 2]++;
    }
    /* Mutations that miss the key leave the answer; some hit the flag. */
    ck_assert_int_gt(seen[0], 0);
    ck_assert_int_gt(seen[2], 0);
}
END_TEST

Suite *
mf_rxdf_suite(void)
{
    Suite *s = suite_create("rxdf");
    TCase *tc = tcase_create("upcall");

    tcase_add_test(tc, test_rxdf_answers);
    tcase_add_test(tc, test_rxdf_cut);
    tcase_add_test(tc, test_rxdf_mutate);
    suite_add_tcase(s, tc);
    return s;
}
