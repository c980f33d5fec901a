#!/usr/bin/env bash
# The one quality command: lint and format (ruff), types (mypy), then the tests (pytest).
# Run by scripts/test.sh (and so by CI) after the install; arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-env.sh
"$PY" -m ruff check credbot tests bench tools
"$PY" -m ruff format --check credbot tests bench tools
"$PY" -m mypy
exec "$PY" -m pytest -n auto --dist loadgroup "$@"  # two workers on two cores; see tests/conftest.py
