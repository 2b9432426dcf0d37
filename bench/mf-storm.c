/*
 * mf-storm: the flow storm of 'make bench-storm' (bench/mf-storm-vm.sh).
 *
 *   mf-storm send DST K RATE SECONDS
 *       UDP datagrams to DST port 9, from source ports 10000 .. 10000+K-1
 *       in turn (K distinct 5-tuples), RATE datagrams a second in all, for
 *       SECONDS seconds; then prints "sent N".
 *   mf-storm sink SECONDS READY
 *       counts the datagrams that reach port 9 until SECONDS pass with
 *       none (after the first), creating the file READY once bound; then
 *       prints "received N".
 *
 * Plain C and the socket API only: under emulation a script would be the
 * bottleneck, not OVS.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BASE_PORT 10000
#define SINK_PORT 9

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
do_send(const char *dst, int k, double rate, double seconds)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons(SINK_PORT) };
    int *socks = calloc(k, sizeof *socks);
    char payload[18] = "megaflower storm";
    long long int n = 0;
    double start, next;

    struct rlimit nofile = { k + 64, k + 64 };

    if (!socks || inet_pton(AF_INET, dst, &to.sin_addr) != 1) {
        fprintf(stderr, "bad destination %s\n", dst);
        return 1;
    }
    /* A socket for each source port (root may raise the limit). */
    if (setrlimit(RLIMIT_NOFILE, &nofile)) {
        perror("setrlimit");
        return 1;
    }
    /* One socket per source port, bound at once. */
    for (int i = 0; i < k; i++) {
        struct sockaddr_in from = { .sin_family = AF_INET,
                                    .sin_port = htons(BASE_PORT + i) };

        socks[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (socks[i] < 0 || bind(socks[i], (struct sockaddr *) &from,
                                 sizeof from)) {
            fprintf(stderr, "socket for port %d: %s\n", BASE_PORT + i,
                    strerror(errno));
            return 1;
        }
    }
    start = next = now();
    /* When tuple i's first datagram leaves: start + i / RATE. */
    fprintf(stderr, "start %.6f\n", start);
    while (next - start < seconds) {
        double t = now();

        if (t < next) {
            struct timespec ts = { 0, (long) ((next - t) * 1e9) };

            nanosleep(&ts, NULL);
            continue;
        }
        /* Behind: send what is due, in a burst. */
        while (next <= t) {
            sendto(socks[n % k], payload, sizeof payload, 0,
                   (struct sockaddr *) &to, sizeof to);
            n++;
            next = start + n / rate;
        }
    }
    printf("sent %lld\n", n);
    return 0;
}

static int
do_sink(double seconds, const char *ready)
{
    struct sockaddr_in at = { .sin_family = AF_INET,
                              .sin_port = htons(SINK_PORT) };
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 8 << 20;
    struct timeval tv = { 0, 200000 };
    long long int n = 0;
    double last = 0, start = now();
    FILE *f;

    if (s < 0 || bind(s, (struct sockaddr *) &at, sizeof at)) {
        perror("sink");
        return 1;
    }
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    f = fopen(ready, "w");
    if (f) {
        fclose(f);
    }
    for (;;) {
        char buf[64];

        if (recv(s, buf, sizeof buf, 0) >= 0) {
            n++;
            last = now();
        } else if (last ? now() - last > seconds : now() - start > 120) {
            break;
        }
    }
    printf("received %lld\n", n);
    return 0;
}

int
main(int argc, char *argv[])
{
    if (argc == 6 && !strcmp(argv[1], "send")) {
        return do_send(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]));
    } else if (argc == 4 && !strcmp(argv[1], "sink")) {
        return do_sink(atof(argv[2]), argv[3]);
    }
    fprintf(stderr, "usage: %s send DST K RATE SECONDS | sink SECONDS "
            "READY\n", argv[0]);
    return 2;
}
