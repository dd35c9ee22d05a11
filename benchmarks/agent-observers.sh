#!/usr/bin/env bash
# Agent fps and agent CPU time per frame with the live page and frame capture on vs off, the clients' own CPU, and the
# page update latency (issue 12). The work is done by benchmarks/agent-observers.py (its docstring explains the two
# parts: one agent with client windows alternating with closed ones, and separate runs per variant).
# Usage: benchmarks/agent-observers.sh <bundle> [seconds-per-window=8] [rounds=4] [capture-folders...]
#   environment: PARTS="paired runs", RUN_ROUNDS, VARIANTS, WARMUP, PAIRED_CAPTURE=1 (see the .py)
#   capture folders default to /dev/shm (tmpfs) and a folder on the disk under /var/tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:?usage: $0 <bundle> [seconds-per-window] [rounds] [capture-folders...]}
export SECONDS_PER_WINDOW=${2:-${SECONDS_PER_WINDOW:-8}}
export ROUNDS=${3:-${ROUNDS:-4}}
shift $(( $# < 3 ? $# : 3 ))
[ $# -eq 0 ] || export FOLDERS="$*"
agent=${EDGEKIT_AGENT:-src/EdgeAgent/bin/Release/net10.0/EdgeAgent.dll}
[ -f "$agent" ] || agent=src/EdgeAgent/bin/Debug/net10.0/EdgeAgent.dll
[ -f "$agent" ] || { echo "build the agent first: dotnet build src/EdgeAgent -c Release" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed for the page-curl variant" >&2; exit 2; }
exec python3 benchmarks/agent-observers.py "$agent" "$bundle"
