/* Test program, not an implant: a status reporter that connects to a log host, then runs a
 * hook script through /bin/sh with its standard descriptors on a descriptor that is not
 * the socket (the one read() gave back, standing in for /dev/null). Every capability of a
 * connect-back client is there (socket, connect, dup2, execve, /bin/sh) but the socket never
 * reaches the shell: the data-flow test must not call it "socket handed to shell". Built
 * for the analyzer tests only. */
#include "implant.h"

int main(void) {
    struct sockaddr_in sa = {0};
    char *argv[] = {"sh", "-c", "/etc/hooks/report", 0};
    char buf[4];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int quiet;
    sa.sin_family = AF_INET;
    sa.sin_port = htons(514);
    SET_ADDR(sa, ip4(192, 168, 1, 2));
    if (connect(s, (void *)&sa, sizeof sa) == 0)
        write(s, "up\n", 3);
    close(s);
    quiet = (int)read(0, buf, sizeof buf);
    dup2(quiet, 0);
    dup2(quiet, 1);
    dup2(quiet, 2);
    execve("/bin/sh", argv, 0);
    return 0;
}
