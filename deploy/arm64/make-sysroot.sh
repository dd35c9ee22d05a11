#!/usr/bin/env bash
# Builds a minimal Debian arm64 sysroot for running the linux-arm64 agent under
# `qemu-aarch64-static -L <sysroot>` on an x86_64 host, WITHOUT adding arm64 to the system's dpkg
# architectures: apt runs with arm64 as its only architecture and private lists/cache folders,
# downloads the few runtime packages .NET and ONNX Runtime need, and `dpkg -x` unpacks them.
#
# It also writes <sysroot>/proc/cpuinfo for a Cortex-A72 (Raspberry Pi 4, board-cpuinfo.sh): qemu 7.2 passes the
# host's x86 /proc/cpuinfo through, ONNX Runtime's CPU detection then crashes (SIGSEGV), and
# qemu's -L prefix remaps /proc/cpuinfo to this file (see shared PLATFORM.md).
#
# With --dev it also unpacks the C runtime's development files (libc6-dev, libgcc-12-dev, libstdc++-12-dev,
# linux-libc-dev: crt1.o, libc.so, libgcc, ...), which linking the NativeAOT agent for linux-arm64 on an x64 host needs
# (publish.sh --rid linux-arm64 --aot passes it to clang --target aarch64 as --sysroot); it is cached apart.
#
# Usage: make-sysroot.sh [--dev] [DIR]   (default ${XDG_CACHE_HOME:-~/.cache}/edgetoolkit/sysroot-arm64, -dev with --dev)
# Idempotent: a finished sysroot (marked by .complete) is reused. Prints the sysroot path last.
# Needs apt-get and dpkg (Debian/Ubuntu host); root is not required.
set -euo pipefail

dev=false suffix=""
if [ "${1:-}" = --dev ]; then dev=true suffix=-dev; shift; fi
sysroot=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/edgetoolkit/sysroot-arm64$suffix}
# libssl3: the agent hashes bundles with SHA-256, which .NET takes from OpenSSL on Linux.
packages=(libc6 libstdc++6 libgcc-s1 zlib1g libssl3)
$dev && packages+=(libc6-dev libgcc-12-dev libstdc++-12-dev linux-libc-dev)
stamp_content="packages=${packages[*]} cpuinfo=cortex-a72 v1"

mkdir -p "$sysroot"
sysroot=$(cd "$sysroot" && pwd)
if [ -f "$sysroot/.complete" ] && [ "$(cat "$sysroot/.complete")" = "$stamp_content" ]; then
  echo "make-sysroot.sh: reusing $sysroot"
  echo "$sysroot"
  exit 0
fi
command -v apt-get >/dev/null || { echo "make-sysroot.sh: apt-get not found (needs a Debian or Ubuntu host)" >&2; exit 2; }

work=$sysroot.apt
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
apt_opts=(
  -o APT::Architecture=arm64 -o APT::Architectures=arm64
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache"
  -o Dir::State::Status=/dev/null
  -o Debug::NoLocking=1
  -o APT::Sandbox::User="$(id -un)"
)
# Same sources as the host (Debian's archive serves arm64 from the same URLs).
echo "make-sysroot.sh: apt-get update for arm64 (private lists in $work)"
apt-get "${apt_opts[@]}" -qq update
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}")

for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$sysroot"
done
# Debian's arm64 loader lives in /lib/ld-linux-aarch64.so.1 via a usr-merge link on real systems.
if [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ] && [ -e "$sysroot/usr/lib/ld-linux-aarch64.so.1" ]; then
  mkdir -p "$sysroot/lib"
  ln -sfn ../usr/lib/ld-linux-aarch64.so.1 "$sysroot/lib/ld-linux-aarch64.so.1"
fi
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || { echo "make-sysroot.sh: $sysroot/lib/ld-linux-aarch64.so.1 missing after unpacking libc6" >&2; exit 1; }

mkdir -p "$sysroot/proc"
# check-arm64.sh --cpu gives each emulated CPU its own board's cpuinfo over this sysroot.
"$(dirname "${BASH_SOURCE[0]}")/board-cpuinfo.sh" cortex-a72 > "$sysroot/proc/cpuinfo"

rm -rf "$work/lists" "$work/cache"
echo "$stamp_content" > "$sysroot/.complete"
echo "make-sysroot.sh: arm64 sysroot ready ($(du -sh "$sysroot" | cut -f1))"
echo "$sysroot"
