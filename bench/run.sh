#!/usr/bin/env bash
# The benchmark in one command, from a clean clone: `bash bench/run.sh` (or `make bench`).
# Installs what it needs (the project's venv via `make install`, wrk from Debian's packages, Datasette and
# sqlite-utils in their own venv bench/.venv-peer), then runs bench/run.py. See bench/run.py for BENCH_* settings.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
PEER_VENV=bench/.venv-peer
# Pinned so two runs compare the same peer; the stamp makes a rerun skip the install.
PEER_REQS="datasette==0.65.5 sqlite-utils==4.2.1 gunicorn==27.0.1 uvicorn==0.54.0 uvicorn-worker==0.4.0"

make --no-print-directory install

if ! command -v wrk >/dev/null; then
  echo "[bench] wrk is missing: installing Debian's package"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk >/dev/null
  command -v wrk >/dev/null || { echo "FATAL: could not install wrk (apt-get install wrk)" >&2; exit 1; }
fi

if [ "$(cat "$PEER_VENV/.installed" 2>/dev/null)" != "$PEER_REQS" ]; then
  echo "[bench] installing the peer (Datasette) into $PEER_VENV"
  test -x "$PEER_VENV/bin/python" || "$PYTHON" -m venv "$PEER_VENV"
  "$PEER_VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
  # shellcheck disable=SC2086
  "$PEER_VENV/bin/python" -m pip install --quiet $PEER_REQS
  echo "$PEER_REQS" > "$PEER_VENV/.installed"
fi

exec .venv/bin/python -m bench.run "$@"
