#!/bin/sh
# Builds the UPX-packed test implants into packed/ (committed: CI has neither cross compilers
# nor UPX). Needs what build.sh needs plus UPX 4 (`upx`, or set UPX_PROGRAM=...; Debian 13 package
# upx-ucl). Each program is built with -DPAD (UPX refuses files of a few KB, see implant.h),
# its size and SHA-256 recorded in packed/ORIGINALS (the unpacker's tests compare the
# unpacked file with them), then packed:
#   bindshell-*    upx --best (NRV2B: LE32 on AArch64, 8-bit on ARM); MIPS BE --nrv2d;
#                  MIPS LE and x86-64 --nrv2e
#   connectback-*  upx --lzma
# AArch64 builds carry the branch call-trick filter 0x52. UPX 4.2.4 refuses the dynamic MIPS
# builds ("circular DT_HASH chain"), so MIPS has only static packed variants.
# The originals are not kept (only their digests); the packed files are a few KB each.
set -eu
cd "$(dirname "$0")"
PACKER=${UPX_PROGRAM:-upx}
mkdir -p packed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
STATIC="-Os -s -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie -no-pie -DRAW -DPAD -Wl,-e,_start -Wl,--build-id=none -Wl,-z,max-page-size=4096"
DYN="-Os -s -DPAD -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,common-page-size=4096"
: > packed/ORIGINALS
for arch in mips:mips-linux-gnu-gcc mipsel:mipsel-linux-gnu-gcc arm:arm-linux-gnueabi-gcc aarch64:aarch64-linux-gnu-gcc x86_64:gcc; do
    name=${arch%%:*}
    cc=${arch#*:}
    extra=""
    case $name in mips|mipsel) extra="-mno-abicalls" ;; esac
    for src in bindshell connectback; do
        case $src:$name in
            bindshell:mips) how="--nrv2d" ;;
            bindshell:mipsel|bindshell:x86_64) how="--nrv2e" ;;
            bindshell:*) how="--best" ;;
            *) how="--lzma" ;;
        esac
        for link in static dynamic; do
            out=$src-$name-$link-upx
            if [ $link = static ]; then
                $cc $STATIC $extra -o "$work/$out" $src.c
            else
                $cc $DYN -o "$work/$out" $src.c
            fi
            if ! "$PACKER" -q $how -o "packed/$out" "$work/$out" >/dev/null 2>"$work/err"; then
                echo "not packed: $out: $(cat "$work/err")" >&2
                rm -f "packed/$out"
                continue
            fi
            printf '%s %s %s\n' "$(sha256sum < "$work/$out" | cut -d' ' -f1)" \
                "$(wc -c < "$work/$out" | tr -d ' ')" "$out" >> packed/ORIGINALS
        done
    done
done
ls -l packed
