#!/bin/sh
# Builds the test implants into bin/. The binaries are committed because CI has no cross
# compilers. Needs (Debian 12): gcc-mips-linux-gnu gcc-mipsel-linux-gnu
# gcc-arm-linux-gnueabi gcc-aarch64-linux-gnu gcc-i686-linux-gnu (with their
# libc6-dev-*-cross), gcc and musl-tools. (gcc-multilib conflicts with the cross compilers in
# Debian 12; i386 builds with C library use gcc-i686-linux-gnu.)
#   static: -nostdlib with raw syscalls (sys.h), so only syscall stubs and strings remain
#   dynamic: against glibc, so the evidence is in the dynamic imports
# Everything is stripped (-s). A UPX-packed variant is not built: Debian 12 ships no upx.
set -eu
cd "$(dirname "$0")"
mkdir -p bin
STATIC="-Os -s -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie -no-pie -DRAW -Wl,-e,_start -Wl,--build-id=none -Wl,-z,max-page-size=4096"
DYN="-Os -s -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096"
for arch in mips:mips-linux-gnu-gcc mipsel:mipsel-linux-gnu-gcc arm:arm-linux-gnueabi-gcc aarch64:aarch64-linux-gnu-gcc x86_64:gcc; do
    name=${arch%%:*}
    cc=${arch#*:}
    extra=""
    case $name in mips|mipsel) extra="-mno-abicalls" ;; esac
    for src in bindshell connectback magicauth hookrunner magicpacket; do
        $cc $STATIC $extra -o bin/$src-$name-static $src.c
        $cc $DYN -o bin/$src-$name-dynamic $src.c
    done
done
# Static only (the import path does not depend on the ABI): Thumb code (-mthumb; Thumb-1 for
# ARMv5TE as old uClibc builds, Thumb-2 for ARMv7-A as OpenWrt's musl builds) and the 64-bit
# MIPS ABIs n32 and n64 (system call numbers 6000+ and 5000+), big-endian.
for src in bindshell connectback magicauth hookrunner magicpacket; do
    arm-linux-gnueabi-gcc $STATIC -mthumb -march=armv5te -o bin/$src-thumb-static $src.c
    arm-linux-gnueabi-gcc $STATIC -mthumb -march=armv7-a -o bin/$src-thumb2-static $src.c
    mips-linux-gnu-gcc $STATIC -mno-abicalls -mabi=n32 -march=mips64r2 -o bin/$src-mipsn32-static $src.c
    mips-linux-gnu-gcc $STATIC -mno-abicalls -mabi=64 -march=mips64r2 -o bin/$src-mips64-static $src.c
done
# ARM big-endian BE8 (ARMv6+ big-endian images: data big-endian, instructions stored
# little-endian; ELF flag EF_ARM_BE8).
for src in bindshell connectback magicpacket; do
    arm-linux-gnueabi-gcc $STATIC -mbig-endian -Wl,--be8 -o bin/$src-armbe8-static $src.c
done
# Dynamic builds whose import calls take other paths (call-site decoding): MIPS non-PIC with a
# PLT (`jal` to .plt stubs instead of `lw t9, N(gp)` + `jalr t9`), x86-64 -fno-plt (`call
# *N(%rip)` through the GOT), Thumb-2 (`blx` to the ARM PLT stubs), ARM --long-plt (four-word
# stubs).
for src in bindshell magicpacket; do
    arm-linux-gnueabi-gcc $DYN -Wl,--long-plt -o bin/$src-armlongplt-dynamic $src.c
    mips-linux-gnu-gcc $DYN -mplt -mno-shared -fno-pic -no-pie -o bin/$src-mipsplt-dynamic $src.c
    gcc $DYN -fno-plt -o bin/$src-x86_64noplt-dynamic $src.c
    arm-linux-gnueabi-gcc $DYN -mthumb -march=armv7-a -o bin/$src-thumb2-dynamic $src.c
done
# i386 dynamic (gcc-i686-linux-gnu: PIE, `call` into `.plt` stubs `jmp *N(%ebx)`; and
# non-PIC, stubs `jmp *addr`) and AArch64 -fno-plt (`adrp; ldr; blr` through the GOT).
for src in bindshell magicpacket; do
    i686-linux-gnu-gcc $DYN -o bin/$src-i386-dynamic $src.c
    i686-linux-gnu-gcc $DYN -fno-pic -no-pie -o bin/$src-i386nopie-dynamic $src.c
    aarch64-linux-gnu-gcc $DYN -fno-plt -o bin/$src-aarch64noplt-dynamic $src.c
done
# The inetd-style server (inetd.c: accept, dup2 onto 0-2, exec of /usr/sbin/ftpd; names
# /bin/sh for a hook) static and dynamic, and the bind shell running /bin/ash (MIPS static,
# x86-64 dynamic): the hand-off's exec call names the program it runs.
for arch in mips:mips-linux-gnu-gcc mipsel:mipsel-linux-gnu-gcc arm:arm-linux-gnueabi-gcc aarch64:aarch64-linux-gnu-gcc x86_64:gcc; do
    name=${arch%%:*}
    cc=${arch#*:}
    extra=""
    case $name in mips|mipsel) extra="-mno-abicalls" ;; esac
    $cc $STATIC $extra -o bin/inetd-$name-static inetd.c
    $cc $DYN -o bin/inetd-$name-dynamic inetd.c
done
mips-linux-gnu-gcc $STATIC -mno-abicalls -DSHELL_PATH='"/bin/ash"' -o bin/bindshell-ash-mips-static bindshell.c
gcc $DYN -DSHELL_PATH='"/bin/ash"' -o bin/bindshell-ash-x86_64-dynamic bindshell.c
# The connect-back client with every system call through one routine that takes the number as
# an argument (-DVIA_ROUTINE, see sys.h), as musl's cancellable calls do.
for arch in mips:mips-linux-gnu-gcc arm:arm-linux-gnueabi-gcc aarch64:aarch64-linux-gnu-gcc x86_64:gcc; do
    name=${arch%%:*}
    cc=${arch#*:}
    extra=""
    case $name in mips) extra="-mno-abicalls" ;; esac
    $cc $STATIC $extra -DVIA_ROUTINE -o bin/connectback-$name-routine connectback.c
done
arm-linux-gnueabi-gcc $STATIC -mthumb -march=armv7-a -DVIA_ROUTINE -o bin/connectback-thumb2-routine connectback.c
# i386 (gcc -m32; arguments on the stack): the connect-back client inline and through the
# routine.
gcc -m32 $STATIC -o bin/connectback-i386-static connectback.c
gcc -m32 $STATIC -DVIA_ROUTINE -o bin/connectback-i386-routine connectback.c

# Statically linked against a real C library (no -nostdlib): the program calls the library's
# socket/bind/listen/accept/connect/dup2/execve/system, which the analyzer names by byte
# signature (rules/libsigs/libc.sigs). glibc 2.36 (Debian 12 libc6-dev-*-cross, and
# gcc-i686-linux-gnu for i386; ~0.5-0.7 MB each, so one program per architecture: the bind
# shell on MIPS BE, ARM and x86-64, the connect-back client through system() on MIPS LE,
# AArch64 and i386) and musl 1.2.3 (musl-tools' musl-gcc, x86-64).
LIBC="-Os -s -static -Wl,--build-id=none"
for arch in mips:mips-linux-gnu-gcc arm:arm-linux-gnueabi-gcc x86_64:gcc; do
    ${arch#*:} $LIBC -o bin/bindshell-${arch%%:*}-glibcstatic bindshell.c
done
for arch in mipsel:mipsel-linux-gnu-gcc aarch64:aarch64-linux-gnu-gcc i386:i686-linux-gnu-gcc; do
    ${arch#*:} $LIBC -DVIA_SYSTEM -o bin/connectback-${arch%%:*}-glibcstatic connectback.c
done
# the connect-back client through execl() on MIPS BE and ARM: execl has the bytes of execlp
# and is told apart by the function it calls (the signature's referenced name)
for arch in mips:mips-linux-gnu-gcc arm:arm-linux-gnueabi-gcc; do
    ${arch#*:} $LIBC -DVIA_EXECL -o bin/connectback-${arch%%:*}-glibcstatic connectback.c
done
musl-gcc $LIBC -o bin/bindshell-x86_64-muslstatic bindshell.c
musl-gcc $LIBC -DVIA_SYSTEM -o bin/connectback-x86_64-muslstatic connectback.c
ls -l bin
