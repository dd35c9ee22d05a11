#!/usr/bin/env bash
# ARM64 correctness proof on an x86_64 host, per board CPU: publishes the agent for linux-arm64 and
# linux-x64, runs both with `--bench` over the same folder of frames and the same bundle(s), the
# arm64 one under `qemu-aarch64-static -cpu <core>` (the exact instruction set of the board's core,
# not qemu's "max" CPU with every optional extension) over an arm64 sysroot (make-sysroot.sh) that
# carries that board's /proc/cpuinfo (board-cpuinfo.sh). For each CPU and bundle it requires exit 0
# (no SIGILL), the latency table, the x64 agent's top-1 class on every frame and probabilities
# within --tolerance, and prints the CPU features the emulated core reported (auxiliary vector
# AT_HWCAP/AT_HWCAP2) beside the result: ONNX Runtime picks its kernels from them.
# Emulated timings are NOT latency figures (qemu is 30-40x slower than a device).
#
# Usage: check-arm64.sh --bundle DIR [--bundle DIR ...] [--cpu LIST] [--frames DIR] [--count N]
#                       [--tolerance P] [--out DIR] [--sysroot DIR] [--artifacts-path DIR]
#                       [--no-ready-to-run]
#   --cpu LIST   comma-separated qemu cores (repeatable); default: every board CPU this qemu has
#                (board-cpuinfo.sh --list: cortex-a53 Pi 3/Zero 2 W, cortex-a72 Pi 4, cortex-a76
#                Pi 5, cortex-a57 Jetson Nano); `max` is qemu's everything-on core
#   --tolerance  largest |p(arm64) - p(x64)| allowed for a class both report (default 1e-4)
#   The arm64 tarball carries the first --bundle; the others are read from their folders.
# Needs: dotnet, qemu-user-static (qemu-aarch64-static), apt-get/dpkg (sysroot), python3,
#        ffmpeg when --frames is not given. Exit 0 = proof passed on every CPU and bundle.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bundles=()
cpus=()
frames=""
count=8
tolerance=1e-4
out=""
sysroot=""
publish_extra=()

die() { echo "check-arm64.sh: $*" >&2; exit 2; }
fail() { echo "check-arm64.sh: FAILED: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundles+=("${2:?}"); shift 2 ;;
    --cpu) IFS=',' read -r -a more <<<"${2:?}"; cpus+=("${more[@]}"); shift 2 ;;
    --frames) frames=${2:?}; shift 2 ;;
    --count) count=${2:?}; shift 2 ;;
    --tolerance) tolerance=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --sysroot) sysroot=${2:?}; shift 2 ;;
    --artifacts-path) publish_extra+=(--artifacts-path "${2:?}"); shift 2 ;;
    --no-ready-to-run) publish_extra+=(--no-ready-to-run); shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ ${#bundles[@]} -gt 0 ] || die "--bundle is required (a bundle folder with manifest.json and the model)"
for i in "${!bundles[@]}"; do
  [ -f "${bundles[$i]}/manifest.json" ] || die "--bundle '${bundles[$i]}' has no manifest.json"
  bundles[$i]=$(cd "${bundles[$i]}" && pwd)
done
[[ "$count" =~ ^[1-9][0-9]*$ ]] || die "--count '$count' is not a positive number"
[[ "$tolerance" =~ ^[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?$ ]] || die "--tolerance '$tolerance' is not a non-negative number"
qemu=$(command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || die "qemu-aarch64-static not found (Debian: apt-get install qemu-user-static)"
command -v python3 >/dev/null || die "python3 not found (needed to compare the predictions)"
# qemu 7.2 lists its cores and exits 0 or 1 depending on the build; only the list matters.
qemu_cpus=$({ "$qemu" -cpu help || true; } | tail -n +2 | tr -s ' \n' ' ')
if [ ${#cpus[@]} -eq 0 ]; then
  for cpu in $("$here/board-cpuinfo.sh" --list); do
    if [[ " $qemu_cpus " == *" $cpu "* ]]; then cpus+=("$cpu"); else echo "check-arm64.sh: NOTE: $qemu has no $cpu ($("$here/board-cpuinfo.sh" --board "$cpu") not proven)"; fi
  done
fi
for cpu in "${cpus[@]}"; do
  "$here/board-cpuinfo.sh" --board "$cpu" >/dev/null 2>&1 || die "--cpu '$cpu' is not a board CPU (known: $("$here/board-cpuinfo.sh" --list | tr '\n' ' ')max)"
  [[ " $qemu_cpus " == *" $cpu "* ]] || die "--cpu '$cpu': $qemu does not emulate it (it has:$qemu_cpus)"
done
out=${out:-$(mktemp -d /tmp/edgeagent-arm64-check.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# 1. Sysroot (cached) and frames.
sysroot=$("$here/make-sysroot.sh" ${sysroot:+"$sysroot"} | tail -1)
if [ -z "$frames" ]; then
  command -v ffmpeg >/dev/null || die "ffmpeg not found and no --frames given (Debian: apt-get install ffmpeg)"
  frames=$out/frames
  rm -rf "$frames" && mkdir -p "$frames"
  # A hue turning 60 degrees per frame, so frames differ in colour and the predictions vary.
  ffmpeg -loglevel error -f lavfi -i testsrc=size=160x120:rate=1 -vf "hue=h=60*t" -frames:v 6 "$frames/frame%03d.jpg"
fi
nframes=$(find "$frames" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.bmp' \) | wc -l)
[ "$nframes" -gt 0 ] || die "--frames '$frames' holds no .jpg/.png/.bmp files"

# 2. Publish both RIDs with the same script users run.
# The x64 agent is only the reference, so it skips ReadyToRun (crossgen2 takes minutes on 2 cores).
for rid in linux-arm64 linux-x64; do
  echo "check-arm64.sh: publishing $rid"
  extra=("${publish_extra[@]}")
  [ "$rid" = linux-x64 ] && extra+=(--no-ready-to-run)
  # The arm64 tarball carries the first bundle (as users ship it); the arm64 runs read it from there.
  [ "$rid" = linux-arm64 ] && extra+=(--bundle "${bundles[0]}")
  tarball=$("$here/publish.sh" --rid "$rid" --out "$out/dist" "${extra[@]}" | tail -1)
  rm -rf "${out:?}/$rid" && mkdir -p "$out/$rid"
  tar -xzf "$tarball" -C "$out/$rid"
done
arm_agent=$(echo "$out"/linux-arm64/edgeagent-*/agent/EdgeAgent)
x64_agent=$(echo "$out"/linux-x64/edgeagent-*/agent/EdgeAgent)
arm_bundle=$(echo "$out"/linux-arm64/edgeagent-*/bundle)
[ -f "$arm_bundle/manifest.json" ] || fail "the arm64 tarball has no bundle/manifest.json"
file_info=$(od -An -tx1 -j18 -N2 "$arm_agent" | tr -d ' ')
[ "$file_info" = b700 ] || fail "$arm_agent is not an aarch64 ELF (e_machine $file_info)"
[ -z "$(find "$out/linux-arm64" -iname 'onnxruntime*.dll')" ] || fail "Windows ONNX Runtime files left in the arm64 tarball"

run_bench() { # $1 name, $2 bundle, then the command prefix
  local name=$1 bundle=$2; shift 2
  rm -f "$out/$name.jsonl" "$out/$name-bench.json"
  set +e
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$@" --bench "$count" \
    --EdgeAgent:Bundle="$bundle" \
    --EdgeAgent:Source:Kind=folder --EdgeAgent:Source:Path="$frames" \
    --EdgeAgent:ResultsFile="$out/$name.jsonl" --EdgeAgent:BenchReportFile="$out/$name-bench.json" \
    --EdgeAgent:StatusFile= --EdgeAgent:IntraOpThreads=1 --EdgeAgent:ReloadPollSeconds=0 \
    >"$out/$name.log" 2>&1
  local rc=$?
  set -e
  return $rc
}

# 3. The x64 reference, once per bundle.
bundle_names=()
for i in "${!bundles[@]}"; do
  bundle_names+=("$i-$(basename "${bundles[$i]}")")
  echo "check-arm64.sh: x64 agent --bench $count over $nframes frame(s), bundle ${bundles[$i]}"
  run_bench "x64-${bundle_names[$i]}" "${bundles[$i]}" "$x64_agent" \
    || { cat "$out/x64-${bundle_names[$i]}.log" >&2; fail "the x64 agent exited with an error on ${bundles[$i]}"; }
done

# 4. Per CPU: a sysroot view whose /proc/cpuinfo is the board's (everything else links to the shared
# sysroot), the features the emulated core reports, then each bundle under qemu -cpu.
summary=()
for cpu in "${cpus[@]}"; do
  view=$out/sysroot-$cpu
  rm -rf "$view" && mkdir -p "$view/proc"
  for entry in "$sysroot"/*; do
    [ "$(basename "$entry")" = proc ] || ln -s "$entry" "$view/$(basename "$entry")"
  done
  "$here/board-cpuinfo.sh" "$cpu" > "$view/proc/cpuinfo"
  board=$("$here/board-cpuinfo.sh" --board "$cpu")
  # glibc's loader prints the auxiliary vector the (emulated) kernel passed: AT_HWCAP/AT_HWCAP2.
  auxv=$("$qemu" -cpu "$cpu" -L "$view" -E LD_SHOW_AUXV=1 "$view/lib/ld-linux-aarch64.so.1" --version 2>&1) \
    || fail "the arm64 loader did not run under $qemu -cpu $cpu: $auxv"
  hwcap=$(sed -n 's/^AT_HWCAP: *//p' <<<"$auxv")
  hwcap2=$(sed -n 's/^AT_HWCAP2: *//p' <<<"$auxv")
  features=$(python3 - "$hwcap" "$hwcap2" <<'EOF'
import sys
# Linux arm64 HWCAP/HWCAP2 bit names (arch/arm64/include/uapi/asm/hwcap.h).
h1 = "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs sb paca pacg".split()
h2 = "dcpodp sve2 sveaes svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm svef32mm svef64mm svebf16 i8mm bf16 dgh rng bti mte".split()
v1, v2 = (int(x, 16) if x else 0 for x in sys.argv[1:3])
names = [n for b, n in enumerate(h1) if v1 >> b & 1] + [n for b, n in enumerate(h2) if v2 >> b & 1]
# What ONNX Runtime's MLAS kernels choose by on arm64: NEON, dot product (int8), fp16, i8mm, bf16, SVE.
relevant = ["asimd", "asimddp", "fphp", "asimdhp", "i8mm", "bf16", "sve", "sve2"]
print(" ".join(names) + "|" + " ".join(f"{n}={'yes' if n in names else 'no'}" for n in relevant))
EOF
)
  echo "check-arm64.sh: $cpu ($board): AT_HWCAP $hwcap AT_HWCAP2 $hwcap2 = ${features%%|*}"
  for i in "${!bundles[@]}"; do
    name=${bundle_names[$i]}
    run_bundle=${bundles[$i]}
    [ "$i" = 0 ] && run_bundle=$arm_bundle
    echo "check-arm64.sh: arm64 agent under $qemu -cpu $cpu -L $view (emulated), bundle ${bundles[$i]}"
    rc=0
    started=$(date +%s.%N)
    run_bench "arm64-$cpu-$name" "$run_bundle" "$qemu" -cpu "$cpu" -L "$view" "$arm_agent" || rc=$?
    seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
    log=$out/arm64-$cpu-$name.log
    cat "$log"
    if [ "$rc" != 0 ]; then
      sig=""
      { [ "$rc" = 132 ] || grep -q 'Illegal instruction\|signal 4 ' "$log"; } && sig=" (SIGILL: an instruction $cpu lacks)"
      fail "the arm64 agent exited with $rc$sig under qemu -cpu $cpu on ${bundles[$i]}"
    fi
    ! grep -q 'Illegal instruction\|signal 4 ' "$log" || fail "SIGILL under qemu -cpu $cpu on ${bundles[$i]}"
    grep -qE '^stage +count +p50 ms' "$log" || fail "the arm64 agent printed no latency table (-cpu $cpu, ${bundles[$i]})"
    grep -qE '^total +[0-9]+' "$log" || fail "the arm64 latency table has no 'total' row (-cpu $cpu, ${bundles[$i]})"
    # Same frame -> same top-1 class; every class both report within the tolerance.
    verdict=$(python3 - "$out/x64-$name.jsonl" "$out/arm64-$cpu-$name.jsonl" "$tolerance" <<'EOF'
import json, sys
def load(p):
    d = {}
    with open(p) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                d[r["frame"]] = r["top"]
    return d
x64, arm, tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
common = sorted(set(x64) & set(arm))
if not common:
    sys.exit(f"no common frames: x64 {len(x64)} predictions, arm64 {len(arm)}")
bad, worst = [], 0.0
for k in common:
    a, b = x64[k], arm[k]
    pa, pb = {t["index"]: t["p"] for t in a}, {t["index"]: t["p"] for t in b}
    ok = a[0]["index"] == b[0]["index"]
    for c in set(pa) | set(pb):
        if c in pa and c in pb:
            worst = max(worst, abs(pa[c] - pb[c]))
            ok &= abs(pa[c] - pb[c]) <= tol
        else:
            # In one top-k only: allowed just for a near-tie at the k-th place.
            p, other = (pa[c], b) if c in pa else (pb[c], a)
            ok &= abs(p - other[-1]["p"]) <= tol
    if not ok:
        bad.append((k, a, b))
for k, a, b in bad[:5]:
    print(f"frame {k}: x64 {a} != arm64 {b}", file=sys.stderr)
if bad:
    sys.exit(f"{len(bad)} of {len(common)} frame(s) differ between x64 and arm64 (top-1 class, or a probability off by more than {tol:g})")
print(f"{len(common)}/{len(common)} frames top-1 = x64, max |dp| {worst:.1e} <= {tol:g}")
EOF
) || fail "predictions differ under qemu -cpu $cpu on ${bundles[$i]}"
    line="$cpu ($board) | ${bundles[$i]##*/} | exit 0, no SIGILL | $verdict | ${features#*|} | emulated ${seconds} s"
    echo "check-arm64.sh: proof: $line"
    summary+=("$line")
  done
done
echo "check-arm64.sh: NOTE: these timings are emulated by qemu on x86_64 (30-40x slower than a device); they prove the arm64 build works and are NOT latency figures"
echo "check-arm64.sh: summary (cpu (boards) | bundle | exit | predictions vs x64 | kernel-relevant CPU features | emulated run time):"
printf '  %s\n' "${summary[@]}"
echo "predictions: arm64 equals x64 on every CPU and bundle (same top-1 class on every frame, probabilities within $tolerance)"
echo "check-arm64.sh: PASSED"
