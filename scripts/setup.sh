#!/usr/bin/env bash
# Installs whatever is missing, idempotently, so `npm start` and `npm test` work on a fresh
# Debian 12 machine: Debian packages, npm dependencies, the mediasoup worker, the page bundle.
# Usage: scripts/setup.sh [--test] [--quiet]
#   --test   also the packages the test suite needs (chromium, iproute2, nftables, coturn)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0 quiet=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --quiet) quiet=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

# Node 20 or newer (the machine's own; nothing is downloaded).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

mediasoup_version=$(node -p 'require("./package.json").dependencies.mediasoup')
cache_dir="${GIAO_BAN_CACHE:-$HOME/.cache/giao-ban}"
worker_cached="$cache_dir/mediasoup-worker-$mediasoup_version/mediasoup-worker"

# --- Debian packages ---------------------------------------------------------------------
pkgs=()
# The worker build needs these only when no cached worker exists.
[ -x "$worker_cached" ] || pkgs+=(meson ninja-build pkg-config g++ libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev)
# The default store is a private redis-server (store/embedded-redis.ts).
pkgs+=(redis-server)
# Recordings: ffmpeg receives the media over RTP and writes WebM; ffprobe measures segments.
pkgs+=(ffmpeg)
# TURN for bridges behind firewalls: coturn, run by the service when TURN_EMBEDDED is on.
[ "${TURN_EMBEDDED:-}" = true ] && pkgs+=(coturn)
# Tests: pages in Chromium; the field tests' branch networks (namespaces and tc from
# iproute2, nftables for firewalls and loss, coturn as the relay, openssl for certificates).
[ "$want_test" = 1 ] && pkgs+=(chromium fonts-noto-core iproute2 nftables coturn openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages. Run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm dependencies ----------------------------------------------------------------------
# Keyed by the lock file's hash, so a changed lock reinstalls and an unchanged one is instant.
# --ignore-scripts: mediasoup's postinstall would try GitHub and PyPI; the worker comes below.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.giao-ban-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

# --- mediasoup worker ----------------------------------------------------------------------
if [ "$quiet" = 1 ]; then bash scripts/build-worker.sh >/dev/null; else bash scripts/build-worker.sh; fi

# --- browser pages -------------------------------------------------------------------------
if [ -f scripts/build-pages.ts ]; then
  if [ "$quiet" = 1 ]; then node --import tsx scripts/build-pages.ts --quiet; else node --import tsx scripts/build-pages.ts; fi
fi
say "ready"
