#!/usr/bin/env bash
# Removes the EdgeToolkit agent: stops and disables the service, deletes the unit and
# /opt/edgeagent. Keeps /etc/edgeagent (configuration) and /var/lib/edgeagent (models, state)
# unless --purge, which also removes /var/log/edgeagent and the edgeagent user.
#
# Usage: uninstall.sh [--root DIR] [--no-systemd] [--purge]
set -euo pipefail

root=""
no_systemd=${EDGEAGENT_NO_SYSTEMD:-0}
purge=false
service=edgeagent
say() { echo "uninstall.sh: $*"; }
die() { echo "uninstall.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a folder}; shift 2 ;;
    --no-systemd) no_systemd=1; shift ;;
    --purge) purge=true; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root '$root' is not a folder"
  root=$(cd "$root" && pwd); [ "$root" = / ] && root=""
fi
unit=$root/etc/systemd/system/$service.service

if [ "$no_systemd" != 1 ] && command -v systemctl >/dev/null; then
  systemctl disable --now --quiet "$service" 2>/dev/null || true
fi
if [ -e "$unit" ]; then
  rm -f "$unit"
  [ "$no_systemd" != 1 ] && command -v systemctl >/dev/null && systemctl daemon-reload
  say "removed $unit"
fi
if [ -d "$root/opt/edgeagent" ]; then
  rm -rf "$root/opt/edgeagent"
  say "removed $root/opt/edgeagent"
fi
if $purge; then
  rm -rf "$root/etc/edgeagent" "$root/var/lib/edgeagent" "$root/var/log/edgeagent"
  say "purged configuration, models and logs"
  if [ -z "$root" ] && [ "$(id -u)" = 0 ] && id -u edgeagent >/dev/null 2>&1; then
    userdel edgeagent && say "removed user edgeagent"
  fi
else
  say "kept $root/etc/edgeagent and $root/var/lib/edgeagent (use --purge to remove them)"
fi
