#!/usr/bin/env bash
# Install credbot (with its semantic model, no PyTorch) and run it on embedded defaults:
# SQLite in ./instance, web chat on http://127.0.0.1:8000/, Slack off unless its tokens are set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. scripts/python-env.sh
exec "$PY" -m credbot serve "$@"
