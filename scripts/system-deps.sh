#!/usr/bin/env bash
# Debian packages the Python requirements need: mysqlclient builds against libmariadb-dev with pkg-config.
# Usage: scripts/system-deps.sh [chromium|bench]   (chromium: the browser the Playwright tests drive; bench: wrk)
set -euo pipefail
need=()
pkg-config --exists libmariadb 2>/dev/null || pkg-config --exists mysqlclient 2>/dev/null || need+=(libmariadb-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
if [ "${1:-}" = "chromium" ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium fonts-dejavu-core); fi
if [ "${1:-}" = "bench" ] && ! command -v wrk >/dev/null; then need+=(wrk); fi  # bench/load.py --wrk
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Please install these Debian packages first: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
