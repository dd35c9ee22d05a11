#!/usr/bin/env bash
# Agent fps with the live page and frame capture on vs off, capture throughput per folder, and page update lag.
# Runs the built agent (EdgeAgent.dll) as the service (not --bench: the bench opens no listener) on synthetic
# 640x480 JPEG frames, unpaced, for SECONDS per run, variants interleaved ROUNDS times; fps = mean of the
# 1-second summary windows after the first WARMUP ones.
# Usage: benchmarks/agent-observers.sh <bundle> [seconds=20] [rounds=3] [capture-folders...]
#   capture folders default to /dev/shm (tmpfs) and a folder on the disk under /var/tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:?usage: $0 <bundle> [seconds] [rounds] [capture-folders...]}
seconds=${2:-20}
rounds=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(/dev/shm /var/tmp)
warmup=4
agent=${EDGEKIT_AGENT:-src/EdgeAgent/bin/Release/net10.0/EdgeAgent.dll}
[ -f "$agent" ] || agent=src/EdgeAgent/bin/Debug/net10.0/EdgeAgent.dll
[ -f "$agent" ] || { echo "build the agent first: dotnet build src/EdgeAgent -c Release" >&2; exit 2; }
work=$(mktemp -d /tmp/agent-observers.XXXXXX)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))

echo "agent $agent, bundle $bundle, ${seconds}s x $rounds rounds; $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"

# run NAME [agent settings...]: prints "NAME fps" and leaves the log in $work/NAME.log
run() {
  local name=$1; shift
  local log="$work/$name.log"
  dotnet "$agent" "--EdgeAgent:Bundle=$bundle" --EdgeAgent:Source:Kind=synthetic --EdgeAgent:Source:PixelFormat=jpeg \
    --EdgeAgent:Source:Width=640 --EdgeAgent:Source:Height=480 --EdgeAgent:Source:FramesPerSecond=0 \
    --EdgeAgent:SummarySeconds=1 --EdgeAgent:StatusFile= --EdgeAgent:ReloadPollSeconds=0 --EdgeAgent:LogEveryNthFrame=0 \
    --EdgeAgent:Metrics:PrometheusEnabled=false --EdgeAgent:Metrics:HealthEnabled=false \
    "--EdgeAgent:LivePage:Port=$port" "$@" >"$log" 2>&1 &
  local pid=$!
  if [ "${CLIENT:-0}" = 1 ]; then
    # What the page does: state.json 4 times a second, the two images when the frame changed (here: every poll).
    ( while kill -0 $pid 2>/dev/null; do
        curl -s -o /dev/null "http://127.0.0.1:$port/state.json" && curl -s -o /dev/null "http://127.0.0.1:$port/frame" \
          && curl -s "http://127.0.0.1:$port/input.png" -o /dev/null && { curl -s "http://127.0.0.1:$port/state.json"; echo; } >>"$work/states.jsonl" || true
        sleep 0.25
      done ) &
  fi
  sleep "$seconds"
  kill -INT $pid; wait $pid || true
  local fps
  fps=$(grep -oE 'Summary: [0-9.]+ fps' "$log" | awk -v w=$warmup '{n++; if (n > w) {s += $2; c++}} END {printf "%.1f", c ? s / c : 0}')
  echo "$name $fps" | tee -a "$work/fps.txt"
}

for r in $(seq "$rounds"); do
  run off
  run page-idle --EdgeAgent:LivePage:Enabled=true
  CLIENT=1 run page-client --EdgeAgent:LivePage:Enabled=true
  for f in "${folders[@]}"; do
    tag=$(basename "$f")
    dir="$f/edgeagent-capture-bench-$$"
    run "capture10-$tag" "--EdgeAgent:Capture:Folder=$dir" --EdgeAgent:Capture:EveryNthFrame=10 --EdgeAgent:Capture:BudgetMegabytes=256
    run "captureall-$tag" "--EdgeAgent:Capture:Folder=$dir" --EdgeAgent:Capture:BelowProbability=1 --EdgeAgent:Capture:BudgetMegabytes=256
    saved=$(grep -oE 'Capture: [0-9]+ saved \([0-9.]+ MB\), [0-9]+ dropped' "$work/captureall-$tag.log" | tail -1)
    echo "  captureall-$tag: $saved in ${seconds}s"
    rm -rf "$dir"
  done
  CLIENT=1 run page-capture --EdgeAgent:LivePage:Enabled=true "--EdgeAgent:Capture:Folder=/dev/shm/edgeagent-capture-bench-$$" --EdgeAgent:Capture:EveryNthFrame=10
  rm -rf "/dev/shm/edgeagent-capture-bench-$$"
done

echo "--- mean fps per variant (ratio to off)"
awk '{s[$1] += $2; n[$1]++} END {off = s["off"] / n["off"]; for (k in s) printf "%-22s %8.1f  %.3f\n", k, s[k] / n[k], (s[k] / n[k]) / off}' "$work/fps.txt" | sort
echo "--- page update latency: age of the frame a state.json shows when served (server time - frame result time)"
python3 - "$work/states.jsonl" <<'PY'
import json, sys, datetime
ages = []
for line in open(sys.argv[1]):
    try:
        s = json.loads(line)
    except ValueError:
        continue
    if not s.get("frame"):
        continue
    t = lambda v: datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
    ages.append((t(s["time"]) - t(s["frame"]["time"])).total_seconds() * 1000)
ages.sort()
if ages:
    q = lambda p: ages[min(len(ages) - 1, int(p * len(ages)))]
    print(f"{len(ages)} polls: age p50 {q(0.5):.0f} ms, p90 {q(0.9):.0f} ms, p99 {q(0.99):.0f} ms, max {ages[-1]:.0f} ms")
PY
echo "load after: $(uptime | sed 's/.*load average: //')"
