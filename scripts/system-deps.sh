#!/usr/bin/env bash
# Installs the Debian packages the service and its tests need, only those that are missing.
# --runtime: only what the service itself needs (OCR); --bench: that and the load generator;
# no option: that and the browser for the admin's end-to-end tests.
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-nep tesseract-ocr-hin tesseract-ocr-osd
          poppler-utils)
case "${1:-}" in
  --runtime) ;;
  --bench) packages+=(wrk) ;;
  *) packages+=(chromium) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
