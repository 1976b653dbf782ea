#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   bash tests/run.sh [pytest args]
# Creates .venv (Python 3.11), installs the project with its test extra, installs the Debian
# packages listed in tests/debian-packages.txt when they are missing (as root, via apt-get),
# and runs pytest on two workers (pytest-xdist; a test file stays on one worker, so its module
# fixtures — a crawled portal, a PostgreSQL server — are built once; NIANBAO_TEST_WORKERS=0 runs
# everything in one process). Exit status is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test]'
missing=()
if [ -f tests/debian-packages.txt ]; then
  while read -r pkg; do
    case "$pkg" in ""|\#*) continue ;; esac
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done < tests/debian-packages.txt
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages (tests that need them will be skipped): ${missing[*]}" >&2
  fi
fi
workers=${NIANBAO_TEST_WORKERS:-2}
if [ "$workers" = 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
