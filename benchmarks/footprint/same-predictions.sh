#!/usr/bin/env bash
# Do two published agent tarballs (deploy/arm64/publish.sh: e.g. the JIT package and the NativeAOT one) classify the
# same frames the same way? Both agents run as the service runs (folder source, results file) on the same real JPEG
# frames (ffmpeg's test pattern, 640x480, every frame different), one after the other; the script compares the two
# results files frame by frame: the top-k labels and class indices must be equal, and it prints the largest
# probability difference (the results file rounds probabilities to 5 decimals).
#
# Usage: same-predictions.sh --tarball A --tarball B --bundle DIR [--frames N]
# Exit 0: the same labels on every frame; 1: a frame differs (printed); 2: bad arguments or an agent failed.
set -euo pipefail
tarballs=(); bundle=""; frames=300
while [ $# -gt 0 ]; do
  case "$1" in
    --tarball) tarballs+=("${2:?}"); shift 2 ;;
    --bundle) bundle=${2:?}; shift 2 ;;
    --frames) frames=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "same-predictions.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ ${#tarballs[@]} -eq 2 ] || { echo "same-predictions.sh: give --tarball twice (got ${#tarballs[@]})" >&2; exit 2; }
for t in "${tarballs[@]}"; do [ -f "$t" ] || { echo "same-predictions.sh: --tarball '$t' not found" >&2; exit 2; }; done
[ -f "$bundle/manifest.json" ] || { echo "same-predictions.sh: --bundle '$bundle' has no manifest.json" >&2; exit 2; }
[[ "$frames" =~ ^[1-9][0-9]*$ ]] || { echo "same-predictions.sh: --frames '$frames' is not a positive number" >&2; exit 2; }
command -v ffmpeg >/dev/null || { echo "same-predictions.sh: needs ffmpeg (apt-get install ffmpeg)" >&2; exit 2; }

work=$(mktemp -d /tmp/edgeagent-same-predictions.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/frames"
ffmpeg -loglevel error -f lavfi -i "testsrc=size=640x480:rate=30" -frames:v "$frames" -q:v 3 "$work/frames/f%05d.jpg"

for i in 0 1; do
  mkdir -p "$work/pkg$i"
  tar -xzf "${tarballs[$i]}" -C "$work/pkg$i"
  agent=$(echo "$work/pkg$i"/edgeagent-*/agent/EdgeAgent)
  # The folder source ends after the last file and the agent exits 0.
  if ! DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 timeout 600 "$agent" "--EdgeAgent:Bundle=$bundle" --EdgeAgent:Source:Kind=folder \
      "--EdgeAgent:Source:Path=$work/frames" --EdgeAgent:Source:Loop=false "--EdgeAgent:ResultsFile=$work/results$i.jsonl" \
      --EdgeAgent:StatusFile= --EdgeAgent:ReloadPollSeconds=0 --EdgeAgent:LogEveryNthFrame=0 \
      --EdgeAgent:Metrics:PrometheusEnabled=false --EdgeAgent:Metrics:HealthEnabled=false >"$work/agent$i.log" 2>&1; then
    echo "same-predictions.sh: the agent of ${tarballs[$i]} failed:" >&2; tail -20 "$work/agent$i.log" >&2; exit 2
  fi
done

python3 - "$work/results0.jsonl" "$work/results1.jsonl" "$frames" "${tarballs[@]}" <<'PY'
import json, sys
a_path, b_path, frames, a_name, b_name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def read(path):
    with open(path) as f:
        return {r["source"]: r["top"] for r in map(json.loads, f)}
a, b = read(a_path), read(b_path)
if len(a) != frames or set(a) != set(b):
    sys.exit(f"same-predictions.sh: frames classified differ: {len(a)} by {a_name}, {len(b)} by {b_name}, {frames} given")
differ, max_dp = [], 0.0
for src in sorted(a):
    ta, tb = a[src], b[src]
    if [(t["label"], t["index"]) for t in ta] != [(t["label"], t["index"]) for t in tb]:
        differ.append(f"  {src}: {[(t['label'], t['p']) for t in ta]} vs {[(t['label'], t['p']) for t in tb]}")
    else:
        max_dp = max([max_dp] + [abs(x["p"] - y["p"]) for x, y in zip(ta, tb)])
same = len(a) - len(differ)
print(f"same-predictions: {same}/{len(a)} frames with the same top-{len(next(iter(a.values())))} labels; "
      f"largest probability difference {max_dp:.5f}")
if differ:
    print("frames that differ:"); print("\n".join(differ[:20])); sys.exit(1)
PY
