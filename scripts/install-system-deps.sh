#!/usr/bin/env bash
# Debian packages the project needs on top of Python (idempotent: installs only what is missing).
#   --runtime  reading documents: Tesseract OCR with the Dutch model (scanned PDFs)
#   --test     the test suite and benchmarks too: Chromium for the real-browser test
#              (Playwright's own browser download cannot work offline), poppler-utils
#              (pdftotext, the reference reader of bench/reading_bench.py) and the Dutch
#              word list wdutch (its glued-word measure)
set -euo pipefail
MODE="${1:---test}"
RUNTIME=(tesseract-ocr tesseract-ocr-nld)
TEST=(chromium poppler-utils wdutch)
case "$MODE" in
  --runtime) WANTED=("${RUNTIME[@]}") ;;
  --test) WANTED=("${RUNTIME[@]}" "${TEST[@]}") ;;
  *) echo "gebruik / usage: $0 [--runtime|--test]" >&2; exit 2 ;;
esac
MISSING=()
for pkg in "${WANTED[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
done
if [ ${#MISSING[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "${MISSING[*]} ontbreekt en er is geen root/sudo om het te installeren" \
         "(missing; install it: apt-get install ${MISSING[*]})" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
echo "geïnstalleerd / installed: ${MISSING[*]}"
