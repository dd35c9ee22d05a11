#!/usr/bin/env bash
# A test device with systemd as PID 1: a Debian bookworm root made by debootstrap (cached outside
# git), booted with systemd-nspawn on a throw-away overlay of that root, reached over ssh on a
# loopback port with a key made for this run, and torn down by process id.
#
#   device.sh build [--arch amd64|arm64] [--cache DIR]
#       Makes (once) the clean root <cache>/bookworm-<arch>/root; later calls reuse it. Built under a
#       temporary name and renamed, so a half-built root is never used; concurrent builds of one root
#       wait on <cache>/bookworm-<arch>.lock and reuse it. Needs root and debootstrap.
#   device.sh boot --state DIR [--arch A] [--cache DIR] [--port N] [--timeout SEC]
#       Boots a container on an overlay of the cached root (changes go to DIR/upper and vanish with
#       DIR). The overlay is mounted in a private mount namespace that dies with systemd-nspawn, so a
#       crash leaves no mount behind. Shares the host's network namespace (no veth, no bridge):
#       sshd listens on 127.0.0.1:<port> only. Waits until systemd reports the system running and
#       sshd accepts connections, then writes DIR/{nspawn.pid,leader.pid,port,id_ed25519,ssh_config}.
#   device.sh exec --state DIR -- CMD...    runs CMD inside the container (nsenter into all namespaces)
#   device.sh ssh --state DIR -- CMD...     runs CMD over ssh as root
#   device.sh stop --state DIR              powers the container off (SIGTERM to nspawn), kills what is
#       left by process id after 20 s, and deletes DIR. Idempotent.
#
# The host's PID 1 need not be systemd: nspawn runs with --register=no --keep-unit (no machined,
# no transient scope), so machinectl is not used; `exec` uses nsenter on the container's PID 1.
# Defaults: --arch amd64, --cache $EDGEKIT_DEVICE_CACHE or /var/cache/edgekit-testdevice,
# --port a free loopback port, --timeout 120 (300 for an emulated arm64 device).
#
# --arch arm64 on an x86_64 host is an emulated device: every arm64 program in it (systemd too) runs
# through qemu-aarch64-static, registered with binfmt_misc (flag F, so it works inside the root).
# When the kernel has no qemu-aarch64 entry, build and boot mount binfmt_misc and register the one
# qemu-user-static ships (/usr/lib/binfmt.d/qemu-aarch64.conf), as systemd-binfmt does at boot on a
# systemd host; the entry stays registered (it only makes arm64 programs runnable). Boot then also
# gives the container an arm64 /proc/cpuinfo (board-cpuinfo.sh max: qemu 7.2 passes the host's x86
# one through and ONNX Runtime's CPU detection crashes on it) and installs the emulation-only drop-in
# edgeagent-qemu.conf beside this script as /etc/systemd/system/edgeagent.service.d/90-qemu-emulation.conf
# (what it relaxes and why: docs/deploy.md section 12). Neither is part of the package.
set -euo pipefail

die() { echo "device.sh: $*" >&2; exit 2; }
say() { echo "device.sh: $*" >&2; }

verb=${1:-}; [ $# -gt 0 ] && shift
arch=amd64
cache=${EDGEKIT_DEVICE_CACHE:-/var/cache/edgekit-testdevice}
state=""
port=""
timeout=120
mirror=${EDGEKIT_DEVICE_MIRROR:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --state) state=${2:?--state needs a folder}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
case "$arch" in amd64|arm64) ;; *) die "--arch '$arch': expected amd64 or arm64" ;; esac
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout '$timeout' is not a whole number of seconds"
[ -z "$port" ] || [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] || die "--port '$port': expected 1..65535"

base=$cache/bookworm-$arch
clean=$base/root
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
emulated=false
[ "$arch" = arm64 ] && [ "$(dpkg --print-architecture 2>/dev/null || uname -m)" != arm64 ] && [ "$(uname -m)" != aarch64 ] && emulated=true
if [ "$arch" = amd64 ]; then
  packages=systemd,systemd-sysv,dbus,sudo,openssh-server,libssl3,ca-certificates,procps,iproute2,curl,python3
else
  # The arm64 device only runs the agent (no Ansible): fewer packages to configure under emulation.
  packages=systemd,systemd-sysv,dbus,sudo,openssh-server,libssl3,procps
fi
$emulated && [ "$timeout" = 120 ] && timeout=300

need_root() { [ "$(id -u)" = 0 ] || die "$verb needs root (debootstrap, mounts and systemd-nspawn do)"; }
need_tool() { command -v "$1" >/dev/null || die "$1 is not installed: apt-get install $2 (test.sh installs it when run as root)"; }
need_state() { [ -n "$state" ] || die "$verb needs --state DIR"; }

# An emulated arm64 device needs qemu-aarch64-static registered with binfmt_misc (see the header).
ensure_binfmt() {
  $emulated || return 0
  need_tool qemu-aarch64-static qemu-user-static
  local dir=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  if [ ! -e "$dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$dir" || die "cannot mount binfmt_misc on $dir (needed to run arm64 programs through qemu)"
    say "mounted binfmt_misc on $dir"
  fi
  if [ ! -e "$dir/qemu-aarch64" ]; then
    [ -f "$conf" ] || die "$conf not found: apt-get install qemu-user-static"
    grep -v '^#' "$conf" | grep -m1 '^:qemu-aarch64:' >"$dir/register" || die "registering $conf with binfmt_misc failed"
    say "registered qemu-aarch64 with binfmt_misc ($conf)"
  fi
  grep -q '^enabled' "$dir/qemu-aarch64" || die "$dir/qemu-aarch64 is disabled (echo 1 > $dir/qemu-aarch64)"
  grep -q '^flags:.*F' "$dir/qemu-aarch64" || die "$dir/qemu-aarch64 has no F flag: the interpreter would have to be inside the root"
}

# The apt mirror the host uses (deb822 or one-line sources), so no other network is needed.
host_mirror() {
  local m
  m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
  [ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "${m:-http://deb.debian.org/debian}"
}

build() {
  need_root; need_tool debootstrap debootstrap
  mkdir -p "$cache"
  # One build per root at a time: a second caller (another test run, another worktree) waits here and then
  # finds the root ready, instead of debootstrapping again and replacing $base under a booted overlay.
  exec 9>"$base.lock"
  if ! flock -n 9; then
    say "another device.sh build of $base is running; waiting for it (lock $base.lock)"
    flock 9 || die "cannot lock $base.lock"
  fi
  if [ -x "$clean/lib/systemd/systemd" ] && [ -f "$base/complete" ]; then
    say "cached root $clean is ready"
    return 0
  fi
  local tmp=$base.tmp.$$ started=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  local args=(--variant=minbase --include="$packages" --arch="$arch")
  # Emulated: the second stage (dpkg configuring every package) runs arm64 programs in the chroot through qemu.
  ensure_binfmt
  say "debootstrap bookworm $arch into $tmp/root (minbase + ${packages//,/ })"
  if ! debootstrap "${args[@]}" bookworm "$tmp/root" "${mirror:-$(host_mirror)}" >"$tmp/debootstrap.log" 2>&1; then
    tail -20 "$tmp/debootstrap.log" >&2
    die "debootstrap failed (log above; the whole log was $tmp/debootstrap.log)"
  fi
  local r=$tmp/root
  echo edgekit-device >"$r/etc/hostname"
  : >"$r/etc/machine-id"
  # Only what a device needs: no consoles to log in on, no timers that wake apt.
  for u in console-getty.service getty@.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sfn /dev/null "$r/etc/systemd/system/$u"
  done
  # sshd: keys only; the port and address are set per boot.
  mkdir -p "$r/etc/ssh/sshd_config.d" "$r/root/.ssh"
  chmod 0700 "$r/root/.ssh"
  printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
    >"$r/etc/ssh/sshd_config.d/10-edgekit-device.conf"
  rm -rf "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"* 2>/dev/null || true
  echo "$(date -u +%FT%TZ) debootstrap bookworm $arch in $((SECONDS - started)) s" >"$tmp/complete"
  rm -rf "$base"
  mv "$tmp" "$base"
  trap - EXIT
  say "built $clean in $((SECONDS - started)) s"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The container's PID 1 as seen from here: the child of nspawn that is PID 1 in its own namespace.
find_leader() {
  local nspawn=$1 c
  for c in $(cat /proc/"$nspawn"/task/*/children 2>/dev/null); do
    if awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' /proc/"$c"/status 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

boot() {
  need_root; need_state; need_tool systemd-nspawn systemd-container; need_tool nsenter util-linux; need_tool ssh openssh-client
  [ -x "$clean/lib/systemd/systemd" ] && [ -f "$base/complete" ] || die "no cached root at $clean: run '$0 build --arch $arch' first"
  [ ! -e "$state/nspawn.pid" ] || die "$state already holds a booted device; stop it first"
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  [ -n "$port" ] || port=$(free_port)
  mkdir -p "$state/upper" "$state/work" "$state/root"
  ssh-keygen -q -t ed25519 -N '' -C "edgekit-device-$$" -f "$state/id_ed25519"
  echo "$port" >"$state/port"
  echo "$arch" >"$state/arch"
  $emulated && : >"$state/emulated"
  cat >"$state/ssh_config" <<EOF
Host device
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 10
EOF
  # The per-boot files go into the upper layer before the overlay is mounted.
  mkdir -p "$state/upper/root/.ssh" "$state/upper/etc/ssh/sshd_config.d"
  chmod 0700 "$state/upper/root" "$state/upper/root/.ssh" 2>/dev/null || true
  cp "$state/id_ed25519.pub" "$state/upper/root/.ssh/authorized_keys"
  chmod 0600 "$state/upper/root/.ssh/authorized_keys"
  printf 'Port %s\nListenAddress 127.0.0.1\n' "$port" >"$state/upper/etc/ssh/sshd_config.d/20-edgekit-port.conf"

  # unshare -m: the overlay exists only in this mount namespace; exec keeps one process id, so
  # nspawn.pid is the process that owns the mount namespace and the container.
  local nspawn_args=(-q -D "$state/root" -b --register=no --keep-unit --console=pipe
                     --hostname=edgekit-device --resolv-conf=off --timezone=off --link-journal=no)
  if $emulated; then
    ensure_binfmt
    # An arm64 /proc/cpuinfo (qemu's default core is "max": the features come from the auxiliary vector).
    # nspawn binds over /proc inside the container, after entering its root: the source is a path there.
    mkdir -p "$state/upper/etc/edgekit-qemu" "$state/upper/etc/systemd/system/edgeagent.service.d"
    bash "$here/../arm64/board-cpuinfo.sh" max >"$state/upper/etc/edgekit-qemu/cpuinfo"
    nspawn_args+=(--bind-ro=/etc/edgekit-qemu/cpuinfo:/proc/cpuinfo)
    cp "$here/edgeagent-qemu.conf" "$state/upper/etc/systemd/system/edgeagent.service.d/90-qemu-emulation.conf"
  fi
  setsid unshare -m --propagation private sh -c '
      mount -t overlay edgekit-device -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/root" || exit 71
      shift 2; exec "$@"' sh "$clean" "$state" systemd-nspawn "${nspawn_args[@]}" \
      </dev/null >"$state/console.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$state/nspawn.pid"

  local deadline=$((SECONDS + timeout)) leader=""
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$state/console.log" >&2; die "systemd-nspawn exited during boot (console log above: $state/console.log)"; }
    if leader=$(find_leader "$pid"); then break; fi
    sleep 0.2
  done
  [ -n "$leader" ] || { tail -30 "$state/console.log" >&2; die "no container PID 1 under nspawn $pid after ${timeout}s"; }
  echo "$leader" >"$state/leader.pid"

  local sysstate=""
  while [ $SECONDS -lt $deadline ]; do
    sysstate=$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null || true)
    case "$sysstate" in running|degraded) break ;; esac
    sleep 0.5
  done
  case "$sysstate" in running|degraded) ;; *) tail -30 "$state/console.log" >&2; die "systemd in the container is '$sysstate' after ${timeout}s" ;; esac
  if [ "$sysstate" = degraded ]; then
    say "systemd is degraded; failed units: $(nsenter -t "$leader" -a systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | tr '\n' ' ')"
  fi
  while [ $SECONDS -lt $deadline ]; do
    ssh -F "$state/ssh_config" device true 2>/dev/null && break
    sleep 0.5
  done
  ssh -F "$state/ssh_config" device true || die "sshd in the container does not answer on 127.0.0.1:$port"
  say "booted: nspawn pid $pid, container PID 1 is host pid $leader, systemd $sysstate, ssh root@127.0.0.1 -p $port -i $state/id_ed25519"
}

run_exec() {
  need_state
  local leader
  leader=$(cat "$state/leader.pid" 2>/dev/null) || die "$state holds no booted device"
  [ $# -gt 0 ] || die "exec needs a command after --"
  exec nsenter -t "$leader" -a "$@"
}

run_ssh() {
  need_state
  [ -f "$state/ssh_config" ] || die "$state holds no booted device"
  exec ssh -F "$state/ssh_config" device "$@"
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop() {
  need_state
  [ -d "$state" ] || return 0
  local pid leader
  pid=$(cat "$state/nspawn.pid" 2>/dev/null || true)
  leader=$(cat "$state/leader.pid" 2>/dev/null || true)
  # Only processes this script started: the nspawn pid must still be systemd-nspawn, the leader
  # must still be its child (pids are reused).
  if alive "$pid" && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != systemd-nspawn ]; then pid=""; fi
  if [ -n "$pid" ] && alive "$pid"; then
    [ -n "$leader" ] && [ "$(awk '/^PPid:/ {print $2}' /proc/"$leader"/status 2>/dev/null)" = "$pid" ] || leader=$(find_leader "$pid" || true)
    # An emulated systemd does not take nspawn's power-off signal (qemu-user maps real-time signals to
    # other numbers), so it is asked through systemctl first.
    if [ -f "$state/emulated" ] && alive "$leader"; then nsenter -t "$leader" -a systemctl poweroff --no-block >/dev/null 2>&1 || true; fi
    kill -TERM "$pid" 2>/dev/null || true # nspawn asks the container's systemd to power off
    local deadline=$((SECONDS + 20))
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if alive "$pid"; then
      say "container did not power off within 20 s; killing it"
      alive "$leader" && kill -KILL "$leader" 2>/dev/null # PID 1 of the namespace: takes every process in it
      sleep 0.5
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
    fi
  else
    # nspawn is gone; a leader left over would be PID 1 of an orphaned namespace.
    if alive "$leader" && awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' /proc/"$leader"/status 2>/dev/null; then
      kill -KILL "$leader" 2>/dev/null || true
    fi
  fi
  # The overlay lived in nspawn's mount namespace and went with it; if it is mounted here, it
  # was not ours to unmount, so say so instead of deleting beneath it.
  if mountpoint -q "$state/root"; then die "$state/root is still a mount point; not deleting $state"; fi
  rm -rf "$state"
}

case "$verb" in
  build) build ;;
  boot) boot ;;
  exec) run_exec "$@" ;;
  ssh) run_ssh "$@" ;;
  stop) stop ;;
  ""|-h|--help) sed -n '2,25p' "$0" ;;
  *) die "unknown verb '$verb': expected build, boot, exec, ssh or stop" ;;
esac
