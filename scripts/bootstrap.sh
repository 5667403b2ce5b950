#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install the pinned dependencies of pyproject.toml (with the dev extra).
# Idempotent: does nothing when .venv already matches pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
# uv ships its own CA roots; use the system bundle (needed behind a TLS-inspecting proxy).
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
export UV_PYTHON_DOWNLOADS=never

stamp=.venv/.installed
if [[ -x .venv/bin/python && -f $stamp ]] && cmp -s pyproject.toml "$stamp"; then
  exit 0
fi

find_python() {
  if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
  local candidate
  for candidate in python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local version
    for version in 3.12 3.13; do
      version="$(pyenv latest "$version" 2>/dev/null || true)"
      if [[ -n "$version" && -x "$(pyenv prefix "$version")/bin/python3" ]]; then
        echo "$(pyenv prefix "$version")/bin/python3"; return
      fi
    done
  fi
}

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  python="$(find_python)"
  if [[ -z "$python" ]]; then
    echo "No Python >= 3.12 found (Django 6.1 needs it). Install one, or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check uv 2>/dev/null
VIRTUAL_ENV=.venv .venv/bin/uv pip install -q -r pyproject.toml --extra dev
cp pyproject.toml "$stamp"
