#!/usr/bin/env bash
# Footprint of a published agent tarball (deploy/arm64/publish.sh): tarball and unpacked size,
# start-up time to the first classified frame, and resident memory after N frames, running the
# agent as the service runs (not --bench, with the unit's DOTNET_GC* environment) on synthetic 640x480 JPEG frames, unpaced.
#   start-up : from exec to the first line of the results file (one JSON line per classified frame)
#   RSS      : VmRSS of the agent when the results file reaches N lines ("steady"), and VmHWM (peak)
#   fps      : frames classified per second from the first result line to the Nth (unpaced: the agent's capacity
#              for 640x480 JPEG frames, decode included; polled every 0.2 s, so within about 1 % at 10k frames)
# For a linux-arm64 tarball on an x86_64 host it runs under qemu-aarch64-static (--sysroot, --cpu):
# memory and sizes are meaningful there, time is emulated (print it only as a ratio to x64).
#
# Usage: footprint.sh --tarball T --bundle B [--frames N] [--sysroot DIR] [--cpu CORE] [--env K=V ...]
# Prints one line: key=value pairs (tarball_mb unpacked_mb startup_s rss_mb hwm_mb fps frames).
set -euo pipefail
tarball=""; bundle=""; frames=10000; sysroot=""; cpu=cortex-a72; envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tarball) tarball=${2:?}; shift 2 ;;
    --bundle) bundle=${2:?}; shift 2 ;;
    --frames) frames=${2:?}; shift 2 ;;
    --sysroot) sysroot=${2:?}; shift 2 ;;
    --cpu) cpu=${2:?}; shift 2 ;;
    --env) envs+=("${2:?}"); shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "footprint.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -f "$tarball" ] || { echo "footprint.sh: --tarball '$tarball' not found" >&2; exit 2; }
[ -f "$bundle/manifest.json" ] || { echo "footprint.sh: --bundle '$bundle' has no manifest.json" >&2; exit 2; }
[[ "$frames" =~ ^[1-9][0-9]*$ ]] || { echo "footprint.sh: --frames '$frames' is not a positive number" >&2; exit 2; }
# The service's GC settings (DOTNET_gc*/DOTNET_GC* Environment= lines of the unit, e.g. the gen0 budget cap), so the
# figures are the service's; --env given on the command line comes later and wins.
unit="$(dirname "$0")/../../deploy/arm64/edgeagent.service"
[ -f "$unit" ] || { echo "footprint.sh: $unit not found (the service's GC settings)" >&2; exit 2; }
mapfile -t unit_envs < <(sed -n 's/^Environment=\(DOTNET_[gG][cC][A-Za-z0-9]*=[^ ]*\)$/\1/p' "$unit")
envs=("${unit_envs[@]}" "${envs[@]}")
work=$(mktemp -d /tmp/edgeagent-footprint.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
agent=$(echo "$work"/edgeagent-*/agent/EdgeAgent)
prefix=()
if [ "$(od -An -tx1 -j18 -N2 "$agent" | tr -d ' ')" = b700 ] && [ "$(uname -m)" != aarch64 ]; then
  [ -n "$sysroot" ] || sysroot=$("$(dirname "$0")/../../deploy/arm64/make-sysroot.sh" | tail -1)
  prefix=(qemu-aarch64-static -cpu "$cpu" -L "$sysroot")
fi
tarball_mb=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1048576:.1f}')" "$tarball")
unpacked_mb=$(du -sm "$work" | cut -f1)
python3 - "$work" "$frames" "$tarball_mb" "$unpacked_mb" "${#prefix[@]}" "${prefix[@]}" "$agent" "$bundle" "${envs[@]}" <<'PY'
import os, signal, subprocess, sys, time
work, frames, tarball_mb, unpacked_mb, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
prefix = sys.argv[6:6 + n]
agent, bundle = sys.argv[6 + n], sys.argv[7 + n]
env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
for kv in sys.argv[8 + n:]:
    k, v = kv.split("=", 1); env[k] = v
results = os.path.join(work, "results.jsonl")
args = prefix + [agent, f"--EdgeAgent:Bundle={bundle}", "--EdgeAgent:Source:Kind=synthetic", "--EdgeAgent:Source:PixelFormat=jpeg",
    "--EdgeAgent:Source:Width=640", "--EdgeAgent:Source:Height=480", "--EdgeAgent:Source:FramesPerSecond=0",
    f"--EdgeAgent:ResultsFile={results}", "--EdgeAgent:StatusFile=", "--EdgeAgent:ReloadPollSeconds=0",
    "--EdgeAgent:LogEveryNthFrame=0", "--EdgeAgent:SummarySeconds=3600",
    "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false"]
def lines():
    try:
        with open(results, "rb") as f: return f.read().count(b"\n")
    except FileNotFoundError: return 0
def status(pid, key):
    # The agent itself (under qemu the emulator process is the agent: same pid).
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith(key): return int(l.split()[1]) / 1024
    return 0.0
t0 = time.monotonic()
p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work)
startup = None
first_at = None
rss = hwm = fps = 0.0
try:
    while True:
        if p.poll() is not None:
            sys.exit(f"footprint.sh: the agent exited with {p.returncode}: {p.stderr.read().decode()[-2000:]}")
        n_lines = lines()
        if startup is None and n_lines > 0:
            first_at = time.monotonic()
            startup = first_at - t0
        if n_lines >= frames:
            rss, hwm = status(p.pid, "VmRSS"), status(p.pid, "VmHWM")
            if n_lines > 1 and time.monotonic() > first_at: fps = (n_lines - 1) / (time.monotonic() - first_at)
            break
        time.sleep(0.005 if startup is None else 0.2)
finally:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try: p.wait(30)
        except subprocess.TimeoutExpired: p.kill()
print(f"tarball_mb={tarball_mb} unpacked_mb={unpacked_mb} startup_s={startup:.2f} rss_mb={rss:.1f} hwm_mb={hwm:.1f} fps={fps:.0f} frames={frames}")
PY
