#!/usr/bin/env bash
# System packages the test suite needs: Debian's Chromium for the real-browser test
# (Playwright's own browser download cannot work offline).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium ontbreekt en er is geen root/sudo om het te installeren (chromium missing; install it: apt-get install chromium)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
chromium --version
