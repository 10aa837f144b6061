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
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static inline unsigned int ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return htonl((a << 24) | (b << 16) | (c << 8) | d);
}
#endif
