#!/usr/bin/env bash
# Publishes the device agent (src/EdgeAgent) self-contained for one Linux RID and packs
# dist/edgeagent-<version>-<rid>.tar.gz: the agent, the systemd unit, a default appsettings.json,
# install.sh/uninstall.sh and, with --bundle, a model bundle.
#
# Usage: deploy/arm64/publish.sh [--rid linux-arm64|linux-x64] [--bundle DIR] [--out DIR]
#                                [--no-ready-to-run] [--project DIR] [--artifacts-path DIR]
#                                [--ort-native DIR] [--trim | --aot [--sysroot DIR]]
#   --trim            trim unused framework and agent code (PublishTrimmed, TrimMode=partial: third-party
#                     assemblies stay whole) and bake in invariant globalization: a smaller
#                     tarball and less memory (figures in docs/benchmarks.md, footprint); not the default
#                     because the ARM64 proof in CI runs the untrimmed package
#   --aot             NativeAOT: the agent is one native executable (no JIT, no IL, fully trimmed, precompiled for
#                     the RID's baseline CPU): linux-x64 21.2 MB tarball against 47.9 MB with --trim, start-up
#                     0.35-0.39 s, about 35 MiB less memory (docs/benchmarks.md, footprint, session 7); links with
#                     clang or gcc; the V4L2 source is untested under it. linux-arm64 on an x64 host cross-compiles:
#                     clang --target aarch64 with lld (apt-get install clang lld llvm) against an arm64 sysroot with
#                     the C runtime's development files (make-sysroot.sh --dev builds and caches one)
#   --sysroot DIR     the arm64 sysroot for --rid linux-arm64 --aot on x64 (default: make-sysroot.sh --dev's)
#   --ort-native DIR  a GPU build of ONNX Runtime (libonnxruntime.so* and libonnxruntime_providers_*.so,
#                     the same version as the Microsoft.ML.OnnxRuntime package, built for JetPack) that
#                     replaces the package's CPU-only libonnxruntime.so beside the agent; the tarball then
#                     carries edgeagent-gpu.conf, the unit drop-in install.sh adds (docs/deploy.md, Jetson)
# Prints the tarball path as the last line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
rid=linux-arm64
bundle=""
out="$repo/dist"
r2r=true
project="$repo/src/EdgeAgent"
artifacts=""
ort_native=""
trim=false
aot=false
sysroot=""

die() { echo "publish.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rid=${2:?--rid needs a value}; shift 2 ;;
    --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --no-ready-to-run) r2r=false; shift ;;
    --project) project=${2:?--project needs a folder}; shift 2 ;;
    --artifacts-path) artifacts=${2:?--artifacts-path needs a folder}; shift 2 ;;
    --ort-native) ort_native=${2:?--ort-native needs a folder}; shift 2 ;;
    --trim) trim=true; shift ;;
    --aot) aot=true; shift ;;
    --sysroot) sysroot=${2:?--sysroot needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$rid" in linux-arm64|linux-x64) ;; *) die "--rid '$rid' is not supported (expected linux-arm64 or linux-x64)" ;; esac
[ -d "$project" ] || die "--project '$project' is not a folder"
if $aot; then
  $trim && die "--aot trims the whole agent already; --trim is for the JIT package (drop one of them)"
  $r2r || die "--aot compiles everything ahead of time; --no-ready-to-run is for the JIT package (drop one of them)"
  host_arch=$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
  if [ "$rid" = "linux-$host_arch" ]; then
    [ -z "$sysroot" ] || die "--sysroot is for cross-compiling (--rid linux-arm64 --aot on x64); --rid $rid is this machine's own"
    # NativeAOT links with clang, or gcc when clang is missing, and the system linker (binutils).
    command -v clang >/dev/null || command -v gcc >/dev/null || die "--aot needs a C toolchain to link the executable (clang or gcc: apt-get install clang)"
  elif [ "$rid-$host_arch" = linux-arm64-x64 ]; then
    # Cross-compiling: ILCompiler emits arm64 code, clang links it for aarch64 with lld against an arm64 sysroot, and
    # llvm-objcopy strips it (binutils' objcopy knows x86 only).
    command -v clang >/dev/null || die "--rid linux-arm64 --aot on x64 links with clang --target aarch64 (apt-get install clang)"
    command -v ld.lld >/dev/null || die "--rid linux-arm64 --aot on x64 links with lld (apt-get install lld)"
    command -v llvm-objcopy >/dev/null || die "--rid linux-arm64 --aot on x64 strips the executable with llvm-objcopy (apt-get install llvm)"
    if [ -n "$sysroot" ]; then
      [ -f "$sysroot/usr/lib/aarch64-linux-gnu/crt1.o" ] || die "--sysroot '$sysroot' has no usr/lib/aarch64-linux-gnu/crt1.o (an arm64 sysroot with the C runtime's development files: make-sysroot.sh --dev DIR)"
    fi
  else
    die "--aot builds linux-$host_arch, or linux-arm64 on x64, not --rid $rid here"
  fi
elif [ -n "$sysroot" ]; then
  die "--sysroot is for --aot (the JIT package needs no C toolchain)"
fi
if [ -n "$ort_native" ]; then
  [ -d "$ort_native" ] || die "--ort-native '$ort_native' is not a folder"
  compgen -G "$ort_native/libonnxruntime.so*" >/dev/null || die "--ort-native '$ort_native' holds no libonnxruntime.so (the ONNX Runtime build output folder, e.g. build/Linux/Release)"
  # The ELF machine must be the RID's: 0xb7 aarch64, 0x3e x86-64.
  want=$([ "$rid" = linux-arm64 ] && echo b700 || echo 3e00)
  for f in "$ort_native"/libonnxruntime.so* "$ort_native"/libonnxruntime_providers_*.so; do
    [ -f "$f" ] || continue
    [ "$(od -An -tx1 -j18 -N2 "$f" | tr -d ' ')" = "$want" ] || die "--ort-native: $f is not a $rid library"
  done
fi
if [ -n "$bundle" ]; then
  [ -f "$bundle/manifest.json" ] || die "--bundle '$bundle' has no manifest.json (a bundle folder holds manifest.json and the model)"
fi

# The version is the one Directory.Build.props gives every assembly.
props=$project/../../Directory.Build.props
[ -f "$props" ] || props=$repo/Directory.Build.props
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$props" | head -1)
[ -n "$version" ] || die "$props: no <Version> element"

name=edgeagent-$version-$rid
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d "$out/.stage-XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg=$stage/$name
mkdir -p "$pkg/agent"

publish() {
  local extra=("$@")
  local args=(publish "$project" -c Release -r "$rid" --self-contained true -o "$pkg/agent" -nologo
              -p:DebugType=none -p:GenerateDocumentationFile=false -p:SatelliteResourceLanguages=en "${extra[@]}")
  [ -n "$artifacts" ] && args+=(--artifacts-path "$artifacts")
  # TrimMode=partial trims the framework and the assemblies marked trimmable: the agent's own (EdgeAgent, ModelBundle,
  # Preprocessing are IsAotCompatible, so trimmable) bind options through the configuration binding source generator
  # and read/write JSON through source-generated contexts, which trimming keeps; third-party assemblies stay whole,
  # and the trim analyzer's warnings about them are expected. (With the reflection binder the trimmed agent loses the
  # options' setters and starts with "EdgeAgent:Bundle is required".)
  $trim && args+=(-p:PublishTrimmed=true -p:TrimMode=partial -p:InvariantGlobalization=true
                  -p:JsonSerializerIsReflectionEnabledByDefault=true -p:SuppressTrimAnalysisWarnings=true
                  -p:TreatWarningsAsErrors=false)
  dotnet "${args[@]}"
}
log=$stage/publish.log
cross=()
if $aot && [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
  [ -n "$sysroot" ] || sysroot=$("$here/make-sysroot.sh" --dev | tail -1)
  sysroot=$(cd "$sysroot" && pwd)
  cross=(-p:SysRoot="$sysroot" -p:LinkerFlavor=lld)
  echo "publish.sh: cross-compiling NativeAOT for linux-arm64 against $sysroot" >&2
fi
if $aot; then
  # ILCompiler (restored by the SDK at its own version) compiles the agent and everything it reaches to one native
  # executable; symbols go to EdgeAgent.dbg, which is not shipped. The agent's own projects are held warning-free by
  # the trim and AOT analyzers (IsAotCompatible); ImageSharp 2.x, Iot.Device.Bindings and UnitsNet each produce one
  # summary warning (IL2104/IL3053) about reflection in their code (docs/benchmarks.md, footprint): those stay warnings
  # (printed), any other stays an error.
  publish -p:PublishAot=true -p:StripSymbols=true "-p:WarningsNotAsErrors=IL2104%3BIL3053" "${cross[@]}" >"$log" 2>&1 || { grep -E "error|warning IL" "$log" | sort -u | tail -30 >&2; die "NativeAOT publish failed for $rid"; }
  grep -oE "warning IL[0-9]+: [^[]*" "$log" | sort -u | sed 's/^/publish.sh: /' >&2 || true
  r2r=false
elif $r2r; then
  # ReadyToRun (crossgen2) precompiles IL for the target CPU: a Pi starts in about a third of the
  # JIT-only time. It needs the crossgen2 package from NuGet; without it we fall back to plain IL.
  if ! publish -p:PublishReadyToRun=true >"$log" 2>&1; then
    echo "publish.sh: ReadyToRun publish failed (see below); retrying without ReadyToRun" >&2
    grep -E "error" "$log" | tail -5 >&2 || true
    rm -rf "${pkg:?}/agent" && mkdir -p "$pkg/agent"
    r2r=false
  fi
fi
if ! $aot && ! $r2r; then
  publish >"$log" 2>&1 || { tail -30 "$log" >&2; die "dotnet publish failed for $rid"; }
fi
[ -x "$pkg/agent/EdgeAgent" ] || die "publish produced no $pkg/agent/EdgeAgent"

# ONNX Runtime's package drags Windows natives into every publish (17 MB of onnxruntime.dll and
# friends for win-arm64): a Linux device never loads them. Managed assemblies are also *.dll, so
# only files without a CLI header (native PE images) are removed, plus any other-RID runtimes/.
removed=0
while IFS= read -r -d '' f; do
  # A managed assembly has the CLI data directory (PE optional header entry 14) set; a native
  # PE does not. `od` reads the PE offset, magic and that entry without any extra tool.
  pe=$(od -An -tu4 -j60 -N4 "$f" | tr -d ' ')
  magic=$(od -An -tu2 -j$((pe + 24)) -N2 "$f" | tr -d ' ')
  if [ "$magic" = 523 ]; then dir=$((pe + 24 + 112 + 14 * 8)); else dir=$((pe + 24 + 96 + 14 * 8)); fi
  cli=$(od -An -tu4 -j"$dir" -N4 "$f" | tr -d ' ')
  if [ "${cli:-0}" = 0 ]; then rm -f "$f"; removed=$((removed + 1)); fi
done < <(find "$pkg/agent" -maxdepth 1 -name '*.dll' -print0)
if [ -d "$pkg/agent/runtimes" ]; then
  find "$pkg/agent/runtimes" -mindepth 1 -maxdepth 1 -type d ! -name "$rid" -exec rm -rf {} +
  [ -z "$(ls -A "$pkg/agent/runtimes")" ] && rmdir "$pkg/agent/runtimes"
fi
rm -f "$pkg/agent"/*.pdb "$pkg/agent"/*.dbg

# A GPU build of ONNX Runtime replaces the package's CPU-only library beside the agent (the managed
# wrapper loads libonnxruntime.so from the agent's folder; ONNX Runtime loads its provider libraries
# from the folder it was loaded from).
gpu=false
if [ -n "$ort_native" ]; then
  rm -f "$pkg/agent"/libonnxruntime.so*
  cp -P "$ort_native"/libonnxruntime.so* "$pkg/agent/"
  for f in "$ort_native"/libonnxruntime_providers_*.so; do [ -f "$f" ] && cp "$f" "$pkg/agent/"; done
  compgen -G "$pkg/agent/libonnxruntime_providers_cuda.so" >/dev/null && gpu=true
  compgen -G "$pkg/agent/libonnxruntime_providers_tensorrt.so" >/dev/null && gpu=true
  echo "publish.sh: ONNX Runtime native library from $ort_native ($(cd "$pkg/agent" && ls libonnxruntime*.so* | tr '\n' ' '))"
fi

cp "$here/edgeagent.service" "$here/install.sh" "$here/uninstall.sh" "$pkg/"
cp "$here/appsettings.device.json" "$pkg/appsettings.json"
$gpu && cp "$here/edgeagent-gpu.conf" "$pkg/"
[ -f "$repo/docs/deploy.md" ] && cp "$repo/docs/deploy.md" "$pkg/agent/README-deploy.md"
chmod +x "$pkg/install.sh" "$pkg/uninstall.sh"
echo "$version" > "$pkg/VERSION"
echo "$rid" > "$pkg/RID"
if [ -n "$bundle" ]; then
  mkdir -p "$pkg/bundle"
  cp -r "$bundle"/. "$pkg/bundle/"
fi

tarball=$out/$name.tar.gz
# Sorted names, fixed owner and mtime: the same inputs give the same tarball.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' \
    -C "$stage" -czf "$tarball.tmp" "$name"
mv "$tarball.tmp" "$tarball"
size=$(du -h "$tarball" | cut -f1)
echo "publish.sh: $rid NativeAOT=$aot ReadyToRun=$r2r trimmed=$trim, removed $removed Windows native file(s), $size"
echo "$tarball"
