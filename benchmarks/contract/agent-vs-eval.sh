#!/usr/bin/env bash
# The issue-10 check, as a user would run it: top-1 of `edgekit eval-bundle --limit N` on Fashion-MNIST test
# images (N spread over the test set) against the device agent classifying the same N images as raw 28x28 PNG files (folder source,
# results JSON lines joined with the labels by file name).
# Usage: benchmarks/contract/agent-vs-eval.sh BUNDLE [N]   (from the repository root; builds Release if needed)
set -euo pipefail
bundle=$(realpath "$1"); n=${2:-1000}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/agent-vs-eval.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 benchmarks/contract/fashion_mnist_pngs.py "$work/frames" "$n" >/dev/null
dotnet build src/EdgeAgent -c Release --nologo -v q >/dev/null
dotnet build tools/EdgeKit -c Release --nologo -v q >/dev/null
echo "== edgekit eval-bundle --bundle $bundle --data fashion-mnist --limit $n"
dotnet tools/EdgeKit/bin/Release/net10.0/edgekit.dll eval-bundle --bundle "$bundle" --data fashion-mnist --limit "$n" | tee "$work/eval.txt"
echo "== EdgeAgent, folder source over $n raw 28x28 PNG files"
dotnet src/EdgeAgent/bin/Release/net10.0/EdgeAgent.dll --EdgeAgent:Bundle="$bundle" --EdgeAgent:Source:Kind=folder \
  --EdgeAgent:Source:Path="$work/frames" --EdgeAgent:Source:Loop=false --EdgeAgent:ResultsFile="$work/results.jsonl" \
  --EdgeAgent:StatusFile="$work/status.json" --EdgeAgent:Metrics:PrometheusEnabled=false --EdgeAgent:Metrics:HealthEnabled=false \
  --EdgeAgent:ReloadPollSeconds=0 >"$work/agent.log" 2>&1 || { tail -20 "$work/agent.log"; exit 1; }
python3 - "$work/results.jsonl" "$work/frames-labels.txt" <<'PY'
import json, sys
labels = dict(line.split() for line in open(sys.argv[2]))
pred = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    pred[r["source"]] = r["top"][0]["index"]
right = sum(1 for f, l in labels.items() if f in pred and pred[f] == int(l))
print(f"agent: {len(pred)} of {len(labels)} frames classified, top-1 {100.0 * right / len(labels):.2f} %")
PY
