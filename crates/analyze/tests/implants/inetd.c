/* Not an implant: an inetd-style super-server. Listens on TCP 2121, dup2s each connection
 * onto stdio and execs the FTP daemon its configuration names (/usr/sbin/ftpd), as inetd,
 * xinetd and BusyBox inetd do; it names /bin/sh only for its reload hook, run when the
 * listening socket cannot be set up. The same flow as a bind shell (socket -> accept ->
 * dup2 onto 0, 1, 2 -> exec), but the peer gets the configured program, not a shell.
 * Built for the analyzer tests only; never run it. */
#include "implant.h"

int main(void) {
    struct sockaddr_in sa = {0};
    char *argv[] = {"ftpd", 0};
    char *hook[] = {"sh", "-c", "/etc/inetd.reload", 0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(2121);
    SET_ADDR(sa, 0);
    bind(s, (void *)&sa, sizeof sa);
    if (listen(s, 8) < 0)
        execve("/bin/sh", hook, 0);
    for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0)
            continue;
        dup2(c, 0);
        dup2(c, 1);
        dup2(c, 2);
        execve("/usr/sbin/ftpd", argv, 0);
    }
    return 0;
}
