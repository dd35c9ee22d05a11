#!/usr/bin/env bash
# Runs every test of EdgeToolkit and prints "N passed, N failed, N skipped" as the last line.
# Installs the Debian packages the tests need when run as root (ffmpeg, qemu-user-static, systemd,
# ansible, the Fashion-MNIST package, chromium for the page tests, systemd-container + debootstrap for
# the systemd test device, clang for linking the NativeAOT package, lld and llvm for cross-linking it for arm64); otherwise tests that need a missing tool are reported skipped.
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Export]
set -uo pipefail
cd "$(dirname "$0")"

packages=(python3-torch python3-torchvision python3-prometheus-client ffmpeg libjpeg-turbo-progs qemu-user-static systemd ansible dataset-fashion-mnist openssh-client chromium systemd-container debootstrap clang lld llvm)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >/tmp/edgekit-apt.log 2>&1 \
      || { echo "test.sh: apt-get failed, see /tmp/edgekit-apt.log"; tail -20 /tmp/edgekit-apt.log; }
  fi
fi

# A clean build takes about 6 GB (libtorch is copied into each test project) plus 2.5 GB of NuGet
# packages on a machine that has none yet; a full disk otherwise shows up as an obscure build error.
free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
if [ "${free_gb:-0}" -lt 9 ]; then
  echo "test.sh: warning: only ${free_gb} GB free on $(df -P . | awk 'NR==2 {print $6}'); the build needs about 9 GB"
fi

log=$(mktemp)
dotnet build EdgeToolkit.sln -c Debug 2>&1 | tee "$log.build" | grep -E "error|Build succeeded|Warn" | tail -20
if ! grep -q "Build succeeded" "$log.build"; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
dotnet test EdgeToolkit.sln --no-build -c Debug "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

sum() { grep -oE "$1: +[0-9]+" "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" = 0 ]
