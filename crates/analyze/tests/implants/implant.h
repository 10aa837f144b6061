/* Shared by the implants: either the C library (dynamic builds) or raw syscalls (static
 * -nostdlib builds, see sys.h). */
#ifdef RAW
#include "sys.h"
MAIN
#define SET_ADDR(sa, v) ((sa).sin_addr = (v))
#else
#define SET_ADDR(sa, v) ((sa).sin_addr.s_addr = (v))
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static inline unsigned int ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return htonl((a << 24) | (b << 16) | (c << 8) | d);
}
#endif

/* -DPAD (the UPX-packed variants, see build.sh): UPX refuses files of a few KB ("file is too
 * small", "NotCompressible"), so these builds carry about 40 KB of help text that the program
 * writes nowhere (a zero-length write keeps it from being discarded). */
#ifdef PAD
#define PAD_1 "usage: implant [-p port] [-c host] [-k key] [-d]  built for netvet's analyzer tests\n"
#define PAD_8 PAD_1 PAD_1 PAD_1 PAD_1 PAD_1 PAD_1 PAD_1 PAD_1
#define PAD_64 PAD_8 PAD_8 PAD_8 PAD_8 PAD_8 PAD_8 PAD_8 PAD_8
#define PAD_512 PAD_64 PAD_64 PAD_64 PAD_64 PAD_64 PAD_64 PAD_64 PAD_64
static const char pad_text[] = PAD_512;
#define USE_PAD() write(1, pad_text, 0)
#else
#define USE_PAD() ((void)0)
#endif
