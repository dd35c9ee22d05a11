#!/usr/bin/env bash
# ARM64 correctness proof on an x86_64 host: publishes the agent for linux-arm64 and linux-x64,
# runs both with `--bench` over the same folder of frames and the same bundle (the arm64 one under
# qemu-aarch64-static with an arm64 sysroot from make-sysroot.sh), checks that the arm64 run exits 0
# and prints the latency table, and that its per-frame predictions equal the x64 agent's.
# Emulated timings are NOT latency figures (qemu is 30-40x slower than a device).
#
# Usage: check-arm64.sh --bundle DIR [--frames DIR] [--count N] [--out DIR] [--sysroot DIR]
#                       [--artifacts-path DIR] [--no-ready-to-run]
# Needs: dotnet, qemu-user-static (qemu-aarch64-static), apt-get/dpkg (sysroot), python3,
#        ffmpeg when --frames is not given. Exit 0 = proof passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bundle=""
frames=""
count=8
out=""
sysroot=""
publish_extra=()

die() { echo "check-arm64.sh: $*" >&2; exit 2; }
fail() { echo "check-arm64.sh: FAILED: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle=${2:?}; shift 2 ;;
    --frames) frames=${2:?}; shift 2 ;;
    --count) count=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --sysroot) sysroot=${2:?}; shift 2 ;;
    --artifacts-path) publish_extra+=(--artifacts-path "${2:?}"); shift 2 ;;
    --no-ready-to-run) publish_extra+=(--no-ready-to-run); shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$bundle" ] || die "--bundle is required (a bundle folder with manifest.json and the model)"
[ -f "$bundle/manifest.json" ] || die "--bundle '$bundle' has no manifest.json"
bundle=$(cd "$bundle" && pwd)
[[ "$count" =~ ^[1-9][0-9]*$ ]] || die "--count '$count' is not a positive number"
qemu=$(command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || die "qemu-aarch64-static not found (Debian: apt-get install qemu-user-static)"
command -v python3 >/dev/null || die "python3 not found (needed to compare the predictions)"
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
  # The arm64 tarball carries the bundle (as users ship it); the arm64 run reads it from there.
  [ "$rid" = linux-arm64 ] && extra+=(--bundle "$bundle")
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

echo "check-arm64.sh: x64 agent --bench $count over $nframes frame(s)"
run_bench x64 "$bundle" "$x64_agent" || { cat "$out/x64.log" >&2; fail "the x64 agent exited with an error"; }
echo "check-arm64.sh: arm64 agent under $qemu -L $sysroot (emulated)"
rc=0
run_bench arm64 "$arm_bundle" "$qemu" -L "$sysroot" "$arm_agent" || rc=$?
cat "$out/arm64.log"
[ "$rc" = 0 ] || fail "the arm64 agent exited with $rc under qemu"
grep -qE '^stage +count +p50 ms' "$out/arm64.log" || fail "the arm64 agent printed no latency table"
grep -qE '^total +[0-9]+' "$out/arm64.log" || fail "the arm64 latency table has no 'total' row"
echo "check-arm64.sh: NOTE: these timings are emulated by qemu on x86_64 (30-40x slower than a device); they prove the arm64 build works and are NOT latency figures"

# 3. Same frame (sequence) -> same top-k classes, probabilities within 1e-4.
python3 - "$out/x64.jsonl" "$out/arm64.jsonl" <<'EOF'
import json, sys
def load(p):
    d = {}
    with open(p) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                d[r["frame"]] = r["top"]
    return d
x64, arm = load(sys.argv[1]), load(sys.argv[2])
common = sorted(set(x64) & set(arm))
if not common:
    sys.exit(f"no common frames: x64 {len(x64)} predictions, arm64 {len(arm)}")
bad = []
for k in common:
    a, b = x64[k], arm[k]
    if [t["index"] for t in a] != [t["index"] for t in b] or any(abs(s["p"] - t["p"]) > 1e-4 for s, t in zip(a, b)):
        bad.append((k, a, b))
for k, a, b in bad[:5]:
    print(f"frame {k}: x64 {a} != arm64 {b}")
if bad:
    sys.exit(f"{len(bad)} of {len(common)} frame(s) differ between x64 and arm64")
print(f"predictions: {len(common)} frame(s) compared, arm64 equals x64 (same top-k classes, probabilities within 1e-4)")
EOF
echo "check-arm64.sh: PASSED"
