#!/usr/bin/env bash
# Footprint of several published agent packages side by side (issue 14's targets: tarball <= 45 MB, steady RSS
# <= 80 MB for MobileNet 0.5 int8 after 10k frames, start-up to the first classified frame <= 2 s): runs footprint.sh
# on each variant RUNS times, interleaved (variant 1, 2, ..., then again) so that a change of load hits all alike,
# and prints every run plus a markdown table of the medians, with the CPU and the load average before and after.
#
# Usage: compare.sh --bundle DIR [--frames N] [--runs R] LABEL=TARBALL[,ENV=VALUE...] ...
#   e.g. compare.sh --bundle /work/fp-s6/bundle-a0.5-int8 \
#          jit-r2r-trim=/work/fp-s6/jit-r2r-trim.tar.gz aot=/work/fp-s6/aot.tar.gz \
#          jit-r2r-trim-tc0=/work/fp-s6/jit-r2r-trim.tar.gz,DOTNET_TieredCompilation=0
# Figures are only quiet figures when the load average before and after is near 0 (2-core machine).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bundle=""; frames=10000; runs=3; variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle=${2:?}; shift 2 ;;
    --frames) frames=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    --*) echo "compare.sh: unknown argument '$1'" >&2; exit 2 ;;
    *=*) variants+=("$1"); shift ;;
    *) echo "compare.sh: '$1' is not LABEL=TARBALL[,ENV=VALUE...]" >&2; exit 2 ;;
  esac
done
[ ${#variants[@]} -gt 0 ] || { echo "compare.sh: give at least one LABEL=TARBALL" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs '$runs' is not a positive number" >&2; exit 2; }
for v in "${variants[@]}"; do
  IFS=, read -r -a parts <<<"${v#*=}"
  [ -f "${parts[0]}" ] || { echo "compare.sh: ${v%%=*}: tarball '${parts[0]}' not found" >&2; exit 2; }
done

out=$(mktemp /tmp/edgeagent-footprint-compare.XXXXXX)
trap 'rm -f "$out"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, flags: $(grep -o 'avx512_vnni\|avx512_bf16\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "before: $(uptime)"
for ((r = 1; r <= runs; r++)); do
  for v in "${variants[@]}"; do
    label=${v%%=*}
    IFS=, read -r -a parts <<<"${v#*=}"
    envs=()
    for kv in "${parts[@]:1}"; do envs+=(--env "$kv"); done
    line=$("$here/footprint.sh" --tarball "${parts[0]}" --bundle "$bundle" --frames "$frames" "${envs[@]}" | tail -1)
    echo "run $r $label: $line (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "$label $line" >>"$out"
  done
done
echo "after: $(uptime)"
python3 - "$out" "${variants[@]}" <<'PY'
import statistics, sys
rows = {}
for l in open(sys.argv[1]):
    label, *kvs = l.split()
    rows.setdefault(label, []).append(dict(kv.split("=", 1) for kv in kvs))
print("\n| variant | tarball | unpacked | start-up to first frame (median) | RSS after N frames (median) | peak RSS | frames/s | runs |")
print("|---|---|---|---|---|---|---|---|")
for v in sys.argv[2:]:
    label = v.split("=", 1)[0]
    rs = rows[label]
    med = lambda k: statistics.median(float(r[k]) for r in rs)
    print(f"| {label} | {rs[0]['tarball_mb']} MiB | {rs[0]['unpacked_mb']} MiB | {med('startup_s'):.2f} s | {med('rss_mb'):.1f} MiB | "
          f"{med('hwm_mb'):.1f} MiB | {med('fps'):.0f} | {len(rs)} |")
PY
