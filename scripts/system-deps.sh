#!/usr/bin/env bash
# Install the Debian packages Oligoboard needs, only those missing. Needs root, otherwise says what to install.
#   scripts/system-deps.sh          everything the test suite needs (runtime + poppler for PDF checks + Chromium)
#   scripts/system-deps.sh runtime  what the app itself needs (WeasyPrint's libraries and the PDF fonts)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2)
if [[ "${1:-all}" != "runtime" ]]; then
  packages+=(poppler-utils chromium)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]} (run: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
