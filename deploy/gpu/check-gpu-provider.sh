#!/usr/bin/env bash
# Proves the agent's CUDA / TensorRT execution-provider path on a machine with an NVIDIA GPU: copies a published
# linux-x64 (or, on a Jetson, linux-arm64) agent to a private folder, puts a GPU build of ONNX Runtime's native
# libraries beside it (as publish.sh --ort-native does), and runs the agent's own bench on the same bundle with
# ExecutionProvider = cpu, cuda, tensorrt and auto. Prints, for each, which provider ran (from the bench report)
# and the latency; a GPU provider that fails to start falls back to cpu with one warning line, and says so.
# Usage: check-gpu-provider.sh AGENT_DIR ORT_GPU_LIB_DIR BUNDLE_DIR [FRAMES] [IMAGE_SIZE WxH]
# The CUDA libraries (libcudart, libcublas, libcublasLt, libcurand, libcudnn) must be on the loader's path
# (LD_LIBRARY_PATH or ldconfig); `ldd libonnxruntime_providers_cuda.so | grep 'not found'` must print nothing.
set -euo pipefail
agent=${1:?agent folder}; ort=${2:?folder with the GPU libonnxruntime*.so}; bundle=${3:?bundle folder}
frames=${4:-300}; size=${5:-640x480}
work=$(mktemp -d /tmp/gpu-provider-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/agent"
cp -a "$agent/." "$work/agent/"
for lib in "$ort"/libonnxruntime*.so*; do cp -a "$lib" "$work/agent/"; done
echo "== GPU"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "== CUDA provider library dependencies not found (none expected):"
ldd "$work/agent/libonnxruntime_providers_cuda.so" | grep 'not found' || echo "   none"
echo "== TensorRT provider library dependencies not found:"
ldd "$work/agent/libonnxruntime_providers_tensorrt.so" 2>/dev/null | grep 'not found' || echo "   none"
status=0
for provider in cpu cuda tensorrt auto; do
  report="$work/bench-$provider.json"
  echo "== ExecutionProvider=$provider"
  if ! (cd "$work" && DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$work/agent/EdgeAgent" --bench "$frames" \
      --EdgeAgent:Bundle="$bundle" --EdgeAgent:Source:Kind=synthetic \
      --EdgeAgent:Source:Width="${size%x*}" --EdgeAgent:Source:Height="${size#*x}" \
      --EdgeAgent:ExecutionProvider="$provider" --EdgeAgent:StatusFile="$work/status-$provider.json" \
      --EdgeAgent:ProviderOptions:TensorRtEngineCacheFolder="$work/trt-cache" \
      --EdgeAgent:BenchReportFile="$report" 2>&1 | tail -n 25); then
    echo "   bench failed for $provider"; status=1
  fi
  [ -f "$report" ] && grep -E '"executionProvider[A-Za-z]*"' "$report" | sed 's/^/   report: /'
done
exit "$status"
