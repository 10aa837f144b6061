/* Raw Linux system calls for the static (-nostdlib) test implants: no C library, so the
 * only evidence left in the binary is the syscall stubs and the strings. Numbers are from
 * the kernel's syscall tables (arch/mips/kernel/syscalls/syscall_{o32,n32,n64}.tbl,
 * arch/arm/tools/syscall.tbl, include/uapi/asm-generic/unistd.h, x86 syscall_64.tbl).
 * Each call is inlined so that the number is loaded right before the trap instruction,
 * the way C libraries emit their stubs. */
#ifndef IMPLANT_SYS_H
#define IMPLANT_SYS_H

typedef unsigned long size_t;
typedef unsigned int socklen_t;
struct sockaddr_in { unsigned short sin_family; unsigned short sin_port; unsigned int sin_addr; char zero[8]; };
struct sockaddr;
#define AF_INET 2
#define SOCK_STREAM 2 /* MIPS value; fixed below for the others */

#if defined(__mips__) && (_MIPS_SIM == _ABIN32 || _MIPS_SIM == _ABI64)
/* n32 (base 6000) and n64 (base 5000): arch/mips/kernel/syscalls/syscall_n{32,64}.tbl */
#if _MIPS_SIM == _ABIN32
#define NR_BASE 6000
#else
#define NR_BASE 5000
#endif
#define NR_read (NR_BASE + 0)
#define NR_write (NR_BASE + 1)
#define NR_dup2 (NR_BASE + 32)
#define NR_socket (NR_BASE + 40)
#define NR_connect (NR_BASE + 41)
#define NR_accept (NR_BASE + 42)
#define NR_bind (NR_BASE + 48)
#define NR_listen (NR_BASE + 49)
#define NR_fork (NR_BASE + 56)
#define NR_execve (NR_BASE + 57)
#define NR_exit (NR_BASE + 58)
#define NR_setsid (NR_BASE + 110)
#endif
#if defined(__mips__)
#ifndef NR_BASE
#define NR_exit 4001
#define NR_fork 4002
#define NR_read 4003
#define NR_write 4004
#define NR_execve 4011
#define NR_dup2 4063
#define NR_setsid 4066
#define NR_accept 4168
#define NR_bind 4169
#define NR_connect 4170
#define NR_listen 4174
#define NR_socket 4183
#endif
static inline __attribute__((always_inline)) long sc3(long n, long a, long b, long c) {
    register long v0 __asm__("$2") = n;
    register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b;
    register long a2 __asm__("$6") = c;
    register long a3 __asm__("$7");
    __asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
    return a3 ? -v0 : v0;
}
#elif defined(__arm__)
#undef SOCK_STREAM
#define SOCK_STREAM 1
#define NR_exit 1
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_execve 11
#define NR_dup2 63
#define NR_setsid 66
#define NR_socket 281
#define NR_bind 282
#define NR_connect 283
#define NR_listen 284
#define NR_accept 285
static inline __attribute__((always_inline)) long sc3(long n, long a, long b, long c) {
    register long r7 __asm__("r7") = n;
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    __asm__ volatile("svc 0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
    return r0;
}
#elif defined(__aarch64__)
#undef SOCK_STREAM
#define SOCK_STREAM 1
#define NR_dup3 24
#define NR_read 63
#define NR_write 64
#define NR_exit 93
#define NR_setsid 157
#define NR_socket 198
#define NR_bind 200
#define NR_listen 201
#define NR_accept 202
#define NR_connect 203
#define NR_clone 220
#define NR_execve 221
static inline __attribute__((always_inline)) long sc3(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#elif defined(__x86_64__)
#undef SOCK_STREAM
#define SOCK_STREAM 1
#define NR_read 0
#define NR_write 1
#define NR_dup2 33
#define NR_socket 41
#define NR_connect 42
#define NR_accept 43
#define NR_bind 49
#define NR_listen 50
#define NR_fork 57
#define NR_execve 59
#define NR_exit 60
#define NR_setsid 112
static inline __attribute__((always_inline)) long sc3(long n, long a, long b, long c) {
    long ret;
    register long rdx __asm__("rdx") = c;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "r"(rdx) : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__i386__)
/* i386: arch/x86/entry/syscalls/syscall_32.tbl (the direct socket calls since Linux 4.3) */
#undef SOCK_STREAM
#define SOCK_STREAM 1
#define NR_exit 1
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_execve 11
#define NR_dup2 63
#define NR_setsid 66
#define NR_socket 359
#define NR_bind 361
#define NR_connect 362
#define NR_listen 363
#define NR_accept 364 /* accept4; the flags argument (esi) is not set by sc3 */
static inline __attribute__((always_inline)) long sc3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}
#else
#error "unsupported architecture"
#endif

#ifdef VIA_ROUTINE
/* -DVIA_ROUTINE: every call goes through one out-of-line routine that receives the number
 * as its second argument and a cancellation flag as its first, as musl's cancellable calls
 * reach __syscall_cp_asm(&cancel, nr, ...): the number is not loaded next to the trap. */
static volatile int no_cancel;
__attribute__((noipa)) long sys_routine(volatile int *cancel, long n, long a, long b, long c) {
    if (*cancel)
        return -125;
    return sc3(n, a, b, c);
}
#define sc3(n, a, b, c) sys_routine(&no_cancel, (n), (a), (b), (c))
#endif
static inline __attribute__((always_inline)) int socket(int d, int t, int p) { return sc3(NR_socket, d, t, p); }
static inline __attribute__((always_inline)) int bind(int s, const void *a, socklen_t l) { return sc3(NR_bind, s, (long)a, l); }
static inline __attribute__((always_inline)) int listen(int s, int b) { return sc3(NR_listen, s, b, 0); }
static inline __attribute__((always_inline)) int accept(int s, void *a, void *l) { return sc3(NR_accept, s, (long)a, (long)l); }
static inline __attribute__((always_inline)) int connect(int s, const void *a, socklen_t l) { return sc3(NR_connect, s, (long)a, l); }
#ifdef NR_dup2
static inline __attribute__((always_inline)) int dup2(int a, int b) { return sc3(NR_dup2, a, b, 0); }
#else
static inline __attribute__((always_inline)) int dup2(int a, int b) { return sc3(NR_dup3, a, b, 0); }
#endif
static inline __attribute__((always_inline)) int execve(const char *p, char *const a[], char *const e[]) { return sc3(NR_execve, (long)p, (long)a, (long)e); }
static inline __attribute__((always_inline)) long read(int f, void *b, size_t n) { return sc3(NR_read, f, (long)b, n); }
static inline __attribute__((always_inline)) long write(int f, const void *b, size_t n) { return sc3(NR_write, f, (long)b, n); }
static inline __attribute__((always_inline)) void _exit(int c) { sc3(NR_exit, c, 0, 0); for (;;) {} }
static inline __attribute__((always_inline)) int close(int f) { (void)f; return 0; }
static inline unsigned short htons(unsigned short v) {
#if defined(__MIPSEB__) || defined(__ARMEB__) || defined(__AARCH64EB__)
    return v;
#else
    return (unsigned short)((v << 8) | (v >> 8));
#endif
}
static inline int strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) { if (*a != *b) return (unsigned char)*a - (unsigned char)*b; if (!*a) return 0; }
    return 0;
}
static inline size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
/* dotted quad in host order bytes -> network order word */
static inline unsigned int ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
#if defined(__MIPSEB__) || defined(__ARMEB__) || defined(__AARCH64EB__)
    return (a << 24) | (b << 16) | (c << 8) | d;
#else
    return (d << 24) | (c << 16) | (b << 8) | a;
#endif
}
/* the compiler may emit calls to these for struct initialisation */
void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
#define MAIN int main(void); void _start(void) { _exit(main()); }
#endif
