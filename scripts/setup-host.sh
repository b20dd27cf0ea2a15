#!/usr/bin/env bash
# Installs and starts what Tako VM Desktop's tests need on a Debian host, idempotently:
# Docker engine (docker.io) and dockerd, a local debian:bookworm-slim base image made with
# debootstrap (no registry is reachable), and Chromium for the UI tests.
# Every step is skipped when its result is already there. Needs root.
set -euo pipefail

log() { printf '[setup-host] %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
if [ "${TAKO_SKIP_CHROMIUM:-0}" != "1" ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
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
