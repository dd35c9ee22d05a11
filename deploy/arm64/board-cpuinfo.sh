#!/usr/bin/env bash
# Prints the /proc/cpuinfo of the board class that uses an Arm CPU core, for the arm64 sysroot that
# qemu-aarch64-static -L remaps /proc/cpuinfo into (qemu 7.2 passes the host's x86 cpuinfo through and
# ONNX Runtime's CPU detection then crashes). Feature lines and part numbers are those the boards'
# own kernels report (Raspberry Pi OS 64-bit, Jetson Linux), not qemu's model of the core: the
# Raspberry Pi 3/4 SoCs (BCM2837/BCM2711) lack the optional crypto extension that qemu's cortex-a53
# and cortex-a72 models include.
#
# Usage: board-cpuinfo.sh CPU          CPU: cortex-a53 | cortex-a57 | cortex-a72 | cortex-a76 | max
#        board-cpuinfo.sh --board CPU  prints the boards that use CPU (one line)
#        board-cpuinfo.sh --list       prints the board CPUs, one a line
set -euo pipefail

board_cpus=(cortex-a53 cortex-a72 cortex-a76 cortex-a57)

# boards | Features line | CPU part | CPU variant | CPU revision | Hardware | board Revision | Model
describe() {
  case "$1" in
    cortex-a53) echo "Raspberry Pi 3 / Zero 2 W|fp asimd evtstrm crc32 cpuid|0xd03|0x0|4|BCM2835|a02082|Raspberry Pi 3 Model B Rev 1.2" ;;
    cortex-a72) echo "Raspberry Pi 4|fp asimd evtstrm crc32 cpuid|0xd08|0x0|3|BCM2835|c03111|Raspberry Pi 4 Model B Rev 1.1" ;;
    cortex-a76) echo "Raspberry Pi 5|fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp|0xd0b|0x4|1||c04170|Raspberry Pi 5 Model B Rev 1.0" ;;
    cortex-a57) echo "Jetson Nano|fp asimd evtstrm aes pmull sha1 sha2 crc32|0xd07|0x1|1|||NVIDIA Jetson Nano Developer Kit" ;;
    # qemu's "max" core has every extension; its cpuinfo only has to be an arm64 one ORT can parse.
    max) echo "qemu max (no board)|fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp|0xd0b|0x4|1|||qemu max" ;;
    *) return 1 ;;
  esac
}

case "${1:-}" in
  --list) printf '%s\n' "${board_cpus[@]}"; exit 0 ;;
  --board)
    d=$(describe "${2:-}") || { echo "board-cpuinfo.sh: unknown CPU '${2:-}' (known: ${board_cpus[*]} max)" >&2; exit 2; }
    echo "${d%%|*}"; exit 0 ;;
  ""|-h|--help) sed -n '2,12p' "$0"; exit 2 ;;
esac
d=$(describe "$1") || { echo "board-cpuinfo.sh: unknown CPU '$1' (known: ${board_cpus[*]} max)" >&2; exit 2; }
IFS='|' read -r _ features part variant revision hardware board_revision model <<<"$d"
for cpu in 0 1 2 3; do
  printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n' \
    "$cpu" "$features" "$variant" "$part" "$revision"
done
[ -n "$hardware" ] && printf 'Hardware\t: %s\n' "$hardware"
[ -n "$board_revision" ] && printf 'Revision\t: %s\n' "$board_revision"
printf 'Model\t\t: %s\n' "$model"
