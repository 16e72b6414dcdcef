// ipvsadm_shim.c: capture the IPVS requests ipvsadm sends, on a machine
// without IPVS, for the golden bytes in this directory.
//
// ipvsadm (libipvs over libnl 3) looks the "IPVS" Generic Netlink family up,
// asks GET_INFO, and only then sends its request. Preloaded into ipvsadm,
// this answers all of that itself: it never passes a Generic Netlink message
// to the kernel, answers the family lookup with a made-up id, GET_INFO with
// version 1.2.1, dumps with an empty dump and every request with an ACK, and
// appends each IPVS request's attribute payload (after the genl header) as
// hex words to $SHIM_OUT (default stderr). Nothing on the machine changes.
//
//   gcc -shared -fPIC -o /tmp/ipvsadm_shim.so src/ipvs/codec/tests/ipvsadm_shim.c -ldl
//   SHIM_OUT=/dev/stdout LD_PRELOAD=/tmp/ipvsadm_shim.so ipvsadm -A -t 10.1.2.3:80
//
// prints "cmd 1 flags 0x5: 54000180 06000100 ...". Test tooling only; it
// is not built by cargo.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#define FAKE_ID 0x30
static int nlfds[64];
static unsigned char q[64][8192];
static size_t qlen[64];

static int (*real_socket)(int, int, int);
int socket(int d, int t, int p) {
    if (!real_socket) real_socket = dlsym(RTLD_NEXT, "socket");
    int fd = real_socket(d, t, p);
    if (fd >= 0 && fd < 64 && d == AF_NETLINK && p == NETLINK_GENERIC) { nlfds[fd] = 1; qlen[fd] = 0; }
    return fd;
}

static void put(int fd, const void *b, size_t n) {
    if (qlen[fd] + ((n + 3) & ~3u) > sizeof q[fd]) abort();
    memcpy(q[fd] + qlen[fd], b, n);
    qlen[fd] += (n + 3) & ~3u;
}

static size_t attr(unsigned char *o, uint16_t type, const void *v, uint16_t len) {
    uint16_t l = 4 + len;
    memcpy(o, &l, 2); memcpy(o + 2, &type, 2); memcpy(o + 4, v, len);
    size_t t = (l + 3) & ~3u;
    memset(o + l, 0, t - l);
    return t;
}

static void reply(int fd, struct nlmsghdr *req, uint16_t type, uint8_t cmd, const unsigned char *a, size_t alen) {
    unsigned char m[4096] = {0};
    struct nlmsghdr *h = (void *)m;
    h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
    h->nlmsg_type = type; h->nlmsg_flags = 0; h->nlmsg_seq = req->nlmsg_seq; h->nlmsg_pid = req->nlmsg_pid;
    struct genlmsghdr *g = (void *)(m + NLMSG_HDRLEN);
    g->cmd = cmd; g->version = 1;
    memcpy(m + NLMSG_HDRLEN + GENL_HDRLEN, a, alen);
    put(fd, m, h->nlmsg_len);
}

static void ack(int fd, struct nlmsghdr *req) {
    unsigned char m[64] = {0};
    struct nlmsghdr *h = (void *)m;
    h->nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
    h->nlmsg_type = NLMSG_ERROR; h->nlmsg_flags = NLM_F_CAPPED; h->nlmsg_seq = req->nlmsg_seq; h->nlmsg_pid = req->nlmsg_pid;
    struct nlmsgerr *e = (void *)(m + NLMSG_HDRLEN);
    e->error = 0; e->msg = *req; e->msg.nlmsg_len = NLMSG_HDRLEN;
    put(fd, m, h->nlmsg_len);
}

static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    if (!real_sendmsg) real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
    if (fd < 0 || fd >= 64 || !nlfds[fd]) return real_sendmsg(fd, msg, flags);
    unsigned char b[8192]; size_t n = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        if (n + msg->msg_iov[i].iov_len > sizeof b) abort();
        memcpy(b + n, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
        n += msg->msg_iov[i].iov_len;
    }
    struct nlmsghdr *h = (void *)b;
    struct genlmsghdr *g = (void *)(b + NLMSG_HDRLEN);
    if (h->nlmsg_type == GENL_ID_CTRL) {
        unsigned char a[256]; size_t al = 0; uint16_t id = FAKE_ID; uint32_t v = 1, hs = 0, max = 8;
        al += attr(a + al, CTRL_ATTR_FAMILY_ID, &id, 2);
        al += attr(a + al, CTRL_ATTR_FAMILY_NAME, "IPVS", 5);
        al += attr(a + al, CTRL_ATTR_VERSION, &v, 4);
        al += attr(a + al, CTRL_ATTR_HDRSIZE, &hs, 4);
        al += attr(a + al, CTRL_ATTR_MAXATTR, &max, 4);
        reply(fd, h, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, a, al);
    } else if (h->nlmsg_type == FAKE_ID) {
        const char *out = getenv("SHIM_OUT");
        FILE *f = fopen(out ? out : "/dev/stderr", "a");
        fprintf(f, "cmd %u flags %#x:", g->cmd, h->nlmsg_flags);
        for (size_t i = NLMSG_HDRLEN + GENL_HDRLEN; i < h->nlmsg_len; i++)
            fprintf(f, "%s%02x", ((i - NLMSG_HDRLEN - GENL_HDRLEN) % 4 == 0) ? " " : "", b[i]);
        fprintf(f, "\n"); fclose(f);
        if (g->cmd == 15) { // GET_INFO -> SET_INFO
            unsigned char a[64]; size_t al = 0; uint32_t ver = 0x010201, sz = 4096;
            al += attr(a + al, 1, &ver, 4); al += attr(a + al, 2, &sz, 4);
            reply(fd, h, FAKE_ID, 14, a, al);
        }
        if (h->nlmsg_flags & NLM_F_DUMP) { // empty dump
            unsigned char m[32] = {0}; struct nlmsghdr *d = (void *)m;
            d->nlmsg_len = NLMSG_HDRLEN + 4; d->nlmsg_type = NLMSG_DONE; d->nlmsg_flags = NLM_F_MULTI;
            d->nlmsg_seq = h->nlmsg_seq; d->nlmsg_pid = h->nlmsg_pid; put(fd, m, d->nlmsg_len);
        }
    }
    if (h->nlmsg_flags & NLM_F_ACK) ack(fd, h);
    return n;
}

static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    if (!real_recvmsg) real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
    if (fd < 0 || fd >= 64 || !nlfds[fd]) return real_recvmsg(fd, msg, flags);
    if (qlen[fd] == 0) return real_recvmsg(fd, msg, flags);
    // Serve one netlink message per datagram.
    struct nlmsghdr *h = (void *)q[fd];
    size_t n = (h->nlmsg_len + 3) & ~3u;
    size_t cap = msg->msg_iov[0].iov_len, c = n < cap ? n : cap;
    memcpy(msg->msg_iov[0].iov_base, q[fd], c);
    msg->msg_controllen = 0; msg->msg_flags = 0;
    if (msg->msg_name) { struct sockaddr_nl *sa = msg->msg_name; memset(sa, 0, sizeof *sa); sa->nl_family = AF_NETLINK; msg->msg_namelen = sizeof *sa; }
    if (!(flags & MSG_PEEK)) { memmove(q[fd], q[fd] + n, qlen[fd] - n); qlen[fd] -= n; }
    return (flags & MSG_TRUNC) ? (ssize_t)n : (ssize_t)c;
}
