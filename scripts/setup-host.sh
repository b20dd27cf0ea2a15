#!/usr/bin/env bash
# Installs and starts what Tako VM Desktop's tests need on a Debian host, idempotently:
# Docker engine (docker.io) and dockerd, gVisor's runsc registered as a Docker runtime, a local
# debian:bookworm-slim base image made with debootstrap (no registry is reachable), Chromium for
# the UI tests, and for the remote-daemon tests (test/remote) openssl, podman and catatonit (the
# init process Podman runs for `Init: true`; a Recommends that --no-install-recommends leaves out).
# Every step is skipped when its result is already there. Needs root.
set -euo pipefail

log() { printf '[setup-host] %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
[ -x /usr/bin/runsc ] || need_apt+=(runsc)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v podman >/dev/null 2>&1 || need_apt+=(podman)
[ -x /usr/libexec/podman/catatonit ] || need_apt+=(catatonit)
if [ "${TAKO_SKIP_CHROMIUM:-0}" != "1" ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# gVisor: register runsc in daemon.json, merged into what is there (other keys kept). A dockerd that
# is already running re-reads `runtimes` on SIGHUP, so it is never restarted; one started below
# reads the file at start. `--network=none`: runs never have a network, and Debian's runsc (2022)
# refuses to set up its network stack on kernels from 6.11 on (gVisor issue 10704; see
# docs/security.md, 'gVisor').
daemon_json=/etc/docker/daemon.json
mkdir -p /etc/docker
if ! node -e '
  const fs = require("fs")
  const j = fs.existsSync(process.argv[1]) ? JSON.parse(fs.readFileSync(process.argv[1], "utf8") || "{}") : {}
  const r = (j.runtimes || {}).runsc || {}
  process.exit(r.path === "/usr/bin/runsc" && (r.runtimeArgs || []).includes("--network=none") ? 0 : 1)
' "$daemon_json"; then
  log "registering runsc in $daemon_json"
  node -e '
    const fs = require("fs")
    const file = process.argv[1]
    const j = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8") || "{}") : {}
    const runsc = { path: "/usr/bin/runsc", runtimeArgs: ["--network=none"] }
    j.runtimes = { ...(j.runtimes || {}), runsc }
    fs.writeFileSync(file + ".tmp", JSON.stringify(j, null, 2) + "\n")
    fs.renameSync(file + ".tmp", file)
  ' "$daemon_json"
  # The main daemon only (its pidfile): a second dockerd started by a test has its own.
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "asking the running dockerd ($pid) to reload its runtimes (SIGHUP)"
    kill -HUP "$pid"
  fi
fi

sock=/var/run/docker.sock
if ! docker version >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  (setsid dockerd >/var/log/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    [ -S "$sock" ] && docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { log "dockerd did not start"; tail -n 30 /var/log/dockerd.log; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}') ready"
for _ in $(seq 1 20); do
  docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && break
  sleep 0.5
done
docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' || {
  log "runsc is not among Docker's runtimes: $(docker info --format '{{json .Runtimes}}')"; exit 1; }
log "gVisor (runsc) registered"

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | awk '{print $2}')
  if [ -z "$mirror" ]; then
    mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | head -n1 | awk '{print $2}')
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d /tmp/bookworm-root.XXXXXX)
  log "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/tmp/debootstrap.log 2>&1 || {
    tail -n 30 /tmp/debootstrap.log; exit 1; }
  # Keep the image small and let apt inside builds reach the same mirror.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" >"$root/etc/apt/sources.list"
  log "importing debian:bookworm-slim"
  tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$root"
fi
log "debian:bookworm-slim present"

# --- ssh: for the ssh pass of the remote tests (`npm run test:ssh`, docs/remote-hosts.md, 'ssh') ---
# The test starts its own sshd on 127.0.0.1:<free port> with its own config and host key; no system
# sshd is enabled or started here. Debian's openssh-server starts one on port 22 from its postinst
# unless policy-rc.d says no: a temporary policy-rc.d (when there is none) keeps it stopped. Skipped
# when sshd, ssh-keygen and ssh-agent are there (a machine's own sshd is never touched).
if ! [ -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v ssh-agent >/dev/null 2>&1; then
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  log "installing openssh-server openssh-client (no sshd is started)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openssh-server openssh-client >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
  # Installed here, so not the machine's own sshd: on a systemd machine, not enabled at boot either.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi
log "openssh $(ssh -V 2>&1 | cut -d, -f1) present (sshd not started)"
