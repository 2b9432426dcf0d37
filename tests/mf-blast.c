/*
 * mf-blast: sends UDP frames at a steady rate to many destinations, and
 * says how many it sent.  The restart tests count loss with it: the
 * frames the sender's device transmitted against the ones the receiver's
 * device received.
 *
 *   mf-blast DEV SRC-MAC DST-MAC SRC-IP DST-IP N-DST PPS
 *
 * Frame i goes to DST-IP + (i mod N-DST), from SRC-IP, UDP port 9 to 9,
 * through an AF_PACKET socket on DEV.  It runs until SIGTERM or SIGINT,
 * then prints "sent N" and exits 0.  A send the socket refuses (a full
 * queue) is retried, never skipped, so N is what DEV transmitted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
    unsigned int b[6];

    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
               &b[5]) != 6) {
        return -1;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = b[i];
    }
    return 0;
}

static uint16_t
ip_csum(const void *data, size_t len)
{
    const uint16_t *p = data;
    uint32_t sum = 0;

    for (; len > 1; len -= 2) {
        sum += *p++;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
    struct sockaddr_ll sll = { .sll_family = AF_PACKET };
    /* The frame starts two bytes into a 4-aligned buffer, so that its IP
     * header is aligned (UBSan, in the sanitizer build, stops on a
     * misaligned struct iphdr). */
    enum { FRAME_LEN = 14 + 20 + 8 + 18 };
    uint32_t buf[(2 + FRAME_LEN + 3) / 4];
    uint8_t *frame = (uint8_t *) buf + 2;
    struct ethhdr *eth = (struct ethhdr *) frame;
    struct iphdr *ip = (struct iphdr *) (frame + 14);
    struct udphdr *udp = (struct udphdr *) (frame + 34);
    struct in_addr src, dst;
    unsigned long long sent = 0;
    uint32_t n_dst, pps;
    double start;
    int fd;

    if (argc != 8) {
        fprintf(stderr, "usage: %s DEV SRC-MAC DST-MAC SRC-IP DST-IP N-DST "
                "PPS\n", argv[0]);
        return 2;
    }
    memset(buf, 0, sizeof buf);
    if (parse_mac(argv[2], eth->h_source) || parse_mac(argv[3], eth->h_dest)
        || !inet_aton(argv[4], &src) || !inet_aton(argv[5], &dst)) {
        fprintf(stderr, "%s: bad address\n", argv[0]);
        return 2;
    }
    n_dst = strtoul(argv[6], NULL, 10);
    pps = strtoul(argv[7], NULL, 10);
    if (!n_dst || !pps) {
        fprintf(stderr, "%s: N-DST and PPS must be positive\n", argv[0]);
        return 2;
    }
    sll.sll_ifindex = if_nametoindex(argv[1]);
    sll.sll_protocol = htons(ETH_P_IP);
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, eth->h_dest, 6);
    fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (!sll.sll_ifindex || fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }

    eth->h_proto = htons(ETH_P_IP);
    ip->version = 4;
    ip->ihl = 5;
    ip->tot_len = htons(FRAME_LEN - 14);
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->saddr = src.s_addr;
    udp->source = htons(9);
    udp->dest = htons(9);
    udp->len = htons(FRAME_LEN - 34);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    start = now();
    while (!stop) {
        /* As many frames as are due by now, then a millisecond's rest. */
        unsigned long long due = (now() - start) * pps;

        while (sent < due && !stop) {
            ip->daddr = htonl(ntohl(dst.s_addr) + sent % n_dst);
            ip->check = 0;
            ip->check = ip_csum(ip, 20);
            if (sendto(fd, frame, FRAME_LEN, 0, (struct sockaddr *) &sll,
                       sizeof sll) < 0) {
                if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                    usleep(100);
                    continue;
                }
                fprintf(stderr, "%s: send: %s\n", argv[0], strerror(errno));
                return 1;
            }
            sent++;
        }
        usleep(1000);
    }
    printf("sent %llu\n", sent);
    return 0;
}
