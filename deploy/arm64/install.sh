#!/usr/bin/env bash
# Installs or upgrades the EdgeToolkit agent from an unpacked edgeagent-<version>-<rid> tarball
# (this script's folder). Idempotent: running it twice changes nothing the second time.
#
#   /opt/edgeagent/<version>/        the agent (one folder per version)
#   /opt/edgeagent/current           link to the running version; previous -> the one before
#   /etc/edgeagent/appsettings.json  device configuration: written once, never overwritten
#   /var/lib/edgeagent/models/       model bundles; models/current -> the bundle in use,
#                                    models/previous -> the one before (for --model-only --rollback)
#   /etc/systemd/system/edgeagent.service
#   /etc/systemd/system/edgeagent.service.d/gpu.conf  only from a tarball made with
#                                    publish.sh --ort-native (a GPU build of ONNX Runtime, Jetson)
#
# Then enables and (re)starts the service and waits until systemd reports it active (the agent
# sends READY=1). If the new version does not become ready, `current` goes back to the previous
# version, the service is restarted on it, and the script says so and exits 3.
#
# Usage: install.sh [--root DIR] [--no-systemd] [--bundle DIR] [--timeout SEC] [--rollback] [--model-only]
#   --root DIR      install under DIR instead of / (tests, image building); implies no user creation
#   --no-systemd    do not call systemctl (also EDGEAGENT_NO_SYSTEMD=1); readiness is then the
#                   test hook below, or assumed
#   --bundle DIR    install this model bundle (default: the tarball's bundle/ folder, if any)
#   --timeout SEC   how long to wait for READY (default 60)
#   --rollback      only switch `current` back to `previous` and restart (used by the fleet playbook)
#   --model-only    with --bundle: install only that model and switch models/current to it; the running
#                   agent hot-reloads it (no restart, no agent needed in this folder); with --rollback:
#                   switch models/current back to models/previous (the fleet playbook's canary gate)
# Test hook: EDGEAGENT_TEST_NOT_READY=<version> makes that version "not become ready".
# Exit codes: 0 installed and ready, 2 bad input, 3 rolled back, 4 not ready and nothing to roll back to.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=""
no_systemd=${EDGEAGENT_NO_SYSTEMD:-0}
bundle=""
timeout=60
rollback_only=false
model_only=false
service=edgeagent

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a folder}; shift 2 ;;
    --no-systemd) no_systemd=1; shift ;;
    --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    --rollback) rollback_only=true; shift ;;
    --model-only) model_only=true; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout '$timeout' is not a whole number of seconds"
if [ -n "$root" ]; then mkdir -p "$root"; root=$(cd "$root" && pwd); [ "$root" = / ] && root=""; fi

opt=$root/opt/edgeagent
etc=$root/etc/edgeagent
lib=$root/var/lib/edgeagent
unit=$root/etc/systemd/system/$service.service

use_systemd() { [ "$no_systemd" != 1 ]; }
# The system user is only created on a real install (no --root) by root.
manage_user() { [ -z "$root" ] && [ "$(id -u)" = 0 ]; }

# Replaces link $1 with a link to $2 atomically (rename over the old link).
set_link() { ln -sfn "$2" "$1.new" && mv -T "$1.new" "$1"; }

# Waits until the service is active (0) or failed/timed out (1), then checks it is still active a
# few seconds later (an agent that crashes right after READY is not ready). Without systemd the
# test hook decides.
wait_ready() {
  local version=$1
  if ! use_systemd; then
    [ "${EDGEAGENT_TEST_NOT_READY:-}" != "$version" ]
    return
  fi
  local deadline=$((SECONDS + timeout)) state=unknown
  while [ $SECONDS -lt $deadline ]; do
    state=$(systemctl show -p ActiveState --value "$service" 2>/dev/null || echo unknown)
    case "$state" in
      active) break ;;
      failed) return 1 ;;
    esac
    sleep 1
  done
  [ "$state" = active ] || return 1
  sleep "${EDGEAGENT_SETTLE_SECONDS:-3}"
  [ "$(systemctl show -p ActiveState --value "$service" 2>/dev/null)" = active ]
}

# A blocking restart: with Type=notify it returns once the agent sent READY=1 or failed, so the
# old instance is gone before wait_ready looks at the state.
restart_service() {
  use_systemd || return 0
  systemctl reset-failed "$service" >/dev/null 2>&1 || true
  timeout "$timeout" systemctl restart "$service" || true
}

# Switches back to `previous`, restarts and reports; exit 3 when switched back, 4 when there is no
# previous version. $2 says why (default: the version did not become ready).
roll_back() {
  local failed=$1 why=${2:-"did not become ready within ${timeout}s"} prev
  prev=$(readlink "$opt/previous" 2>/dev/null || true)
  if [ -z "$prev" ] || [ ! -d "$opt/$prev" ] || [ "$prev" = "$failed" ]; then
    say "version $failed $why and there is no previous version to roll back to; $failed stays current"
    use_systemd && systemctl --no-pager status "$service" 2>&1 | tail -15 || true
    exit 4
  fi
  set_link "$opt/current" "$prev"
  set_link "$opt/previous" "$failed"
  restart_service
  if wait_ready "$prev"; then
    say "ROLLED BACK: version $failed $why; version $prev is running again"
  else
    say "ROLLED BACK to version $prev after $failed $why, but $prev is not ready either"
  fi
  exit 3
}

# Model only: models/current back to models/previous; the agent hot-reloads it.
roll_back_model() {
  local cur prev
  cur=$(readlink "$lib/models/current" 2>/dev/null || true)
  prev=$(readlink "$lib/models/previous" 2>/dev/null || true)
  [ -n "$prev" ] && [ -d "$lib/models/$prev" ] || die "$lib/models/previous does not exist: no earlier model bundle to go back to"
  set_link "$lib/models/current" "$prev"
  [ -n "$cur" ] && set_link "$lib/models/previous" "$cur"
  say "ROLLED BACK the model: $prev is current again (was ${cur:-none}); the agent reloads it"
  exit 0
}

if $rollback_only && $model_only; then roll_back_model; fi
if $rollback_only; then
  cur=$(readlink "$opt/current" 2>/dev/null || true)
  [ -n "$cur" ] || die "$opt/current does not exist: nothing is installed under ${root:-/}"
  roll_back "$cur" "was rolled back on request (--rollback)"
fi

if $model_only; then
  [ -n "$bundle" ] || die "--model-only needs --bundle DIR (or --rollback)"
else
  version=$(cat "$here/VERSION" 2>/dev/null) || die "$here/VERSION not found: run install.sh from an unpacked edgeagent tarball"
  # A version names a folder under /opt/edgeagent: '.', '..' or anything with a slash would leave it or replace it.
  [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z.+-]*$ && "$version" != *..* ]] || die "$here/VERSION: '$version' is not a version (letters, digits, '.', '+', '-', starting with a letter or digit, no '..')"
  [ -x "$here/agent/EdgeAgent" ] || die "$here/agent/EdgeAgent not found: the tarball is incomplete"
  if [ -z "$bundle" ] && [ -f "$here/bundle/manifest.json" ]; then bundle=$here/bundle; fi
fi
if [ -n "$bundle" ] && [ ! -f "$bundle/manifest.json" ]; then
  die "--bundle '$bundle' has no manifest.json (a bundle folder holds manifest.json and the model)"
fi

changed=false
if ! $model_only && manage_user && ! id -u edgeagent >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /var/lib/edgeagent \
          --shell /usr/sbin/nologin --comment "EdgeToolkit agent" edgeagent
  say "created system user edgeagent"
  changed=true
fi
if ! $model_only && manage_user && getent group video >/dev/null && ! id -nG edgeagent | grep -qw video; then
  usermod -a -G video edgeagent
fi

# 1. The version folder: copied to a temporary name and renamed, so it is never half there.
if $model_only; then
  :
elif [ -d "$opt/$version" ] && diff -rq "$here/agent" "$opt/$version" >/dev/null 2>&1; then
  :
else
  mkdir -p "$opt"
  rm -rf "$opt/.$version.tmp"
  cp -a "$here/agent" "$opt/.$version.tmp"
  rm -rf "${opt:?}/$version"
  mv "$opt/.$version.tmp" "$opt/$version"
  say "installed agent $version in $opt/$version"
  changed=true
fi

# 2. Configuration: the default only when none exists; an upgrade never touches the user's file.
if ! $model_only && [ ! -e "$etc/appsettings.json" ]; then
  mkdir -p "$etc"
  cp "$here/appsettings.json" "$etc/appsettings.json"
  chmod 0644 "$etc/appsettings.json"
  say "wrote default configuration $etc/appsettings.json"
  changed=true
fi

# 3. Models: a bundle goes to models/<name>-<sha12>; models/current points at the one in use.
mkdir -p "$lib/models"
if [ -n "$bundle" ]; then
  sha=$(sed -n 's/.*"sha256": *"\([0-9a-fA-F]*\)".*/\1/p' "$bundle/manifest.json" | head -1)
  [ -n "$sha" ] || die "$bundle/manifest.json: no sha256 field"
  target=$(basename "$(cd "$bundle" && pwd)")-${sha:0:12}
  [ "$target" = "bundle-${sha:0:12}" ] && target=model-${sha:0:12}
  if [ ! -d "$lib/models/$target" ] || ! diff -rq "$bundle" "$lib/models/$target" >/dev/null 2>&1; then
    rm -rf "$lib/models/.$target.tmp"
    cp -r "$bundle" "$lib/models/.$target.tmp"
    rm -rf "${lib:?}/models/$target"
    mv "$lib/models/.$target.tmp" "$lib/models/$target"
    changed=true
  fi
  cur_model=$(readlink "$lib/models/current" 2>/dev/null || true)
  if [ "$cur_model" != "$target" ]; then
    [ -n "$cur_model" ] && set_link "$lib/models/previous" "$cur_model"
    set_link "$lib/models/current" "$target"
    say "model bundle $target is now current"
    changed=true
  fi
fi
if manage_user && id -u edgeagent >/dev/null 2>&1; then chown -R edgeagent:edgeagent "$lib"; chmod 0750 "$lib"; fi
if $model_only; then
  if $changed; then say "the agent hot-reloads the new model (EdgeAgent:ReloadPollSeconds)"; else say "model already current; nothing changed"; fi
  exit 0
fi
[ -e "$lib/models/current" ] || say "warning: no model bundle installed; pass --bundle or set EdgeAgent:Bundle in $etc/appsettings.json"

# 4. The unit.
mkdir -p "$(dirname "$unit")"
unit_changed=false
if ! cmp -s "$here/edgeagent.service" "$unit"; then
  cp "$here/edgeagent.service" "$unit.tmp" && chmod 0644 "$unit.tmp" && mv "$unit.tmp" "$unit"
  unit_changed=true
  changed=true
fi
# A tarball with a GPU build of ONNX Runtime carries the drop-in that lets the sandboxed unit open the GPU.
dropin=$root/etc/systemd/system/$service.service.d/gpu.conf
if [ -f "$here/edgeagent-gpu.conf" ]; then
  if ! cmp -s "$here/edgeagent-gpu.conf" "$dropin"; then
    mkdir -p "$(dirname "$dropin")"
    cp "$here/edgeagent-gpu.conf" "$dropin.tmp" && chmod 0644 "$dropin.tmp" && mv "$dropin.tmp" "$dropin"
    say "GPU build of ONNX Runtime: installed $dropin; set \"ExecutionProvider\" in $etc/appsettings.json (cuda, tensorrt or auto)"
    unit_changed=true
    changed=true
  fi
elif [ -f "$dropin" ]; then
  rm -f "$dropin"
  say "CPU-only package: removed $dropin"
  unit_changed=true
  changed=true
fi

# 5. The links: previous keeps the version we replace, for rollback.
cur=$(readlink "$opt/current" 2>/dev/null || true)
if [ "$cur" != "$version" ]; then
  [ -n "$cur" ] && [ -d "$opt/$cur" ] && set_link "$opt/previous" "$cur"
  set_link "$opt/current" "$version"
  say "current -> $version${cur:+ (previous -> $cur)}"
  changed=true
fi

# 6. The service.
if use_systemd; then
  $unit_changed && systemctl daemon-reload
  systemctl is-enabled --quiet "$service" 2>/dev/null || systemctl enable --quiet "$service"
  if $changed || ! systemctl is-active --quiet "$service"; then restart_service; fi
fi
if ! wait_ready "$version"; then
  roll_back "$version"
fi
if $changed; then
  say "edgeagent $version installed and ready"
else
  say "edgeagent $version already installed and ready; nothing changed"
fi
