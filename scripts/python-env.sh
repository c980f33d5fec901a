# Sourced by the other scripts: sets PY to the Python of the environment credbot lives in.
# The active virtual environment if there is one; otherwise ./.venv, created here from
# ${PYTHON:-python3}. A system Python that refuses pip installs (PEP 668: Debian 12,
# Ubuntu 24.04) is only used to create the venv, never installed into.
if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  PY="$VIRTUAL_ENV/bin/python"
else
  base=${PYTHON:-python3}
  if ! "$base" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "credbot needs Python 3.11, 3.12 or 3.13; '$base' is $("$base" --version 2>&1). Set PYTHON=/path/to/python3.11 (or newer)." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    rm -rf .venv
    if ! "$base" -m venv .venv >/dev/null 2>&1; then
      rm -rf .venv
      # Debian and Ubuntu ship venv's pip bootstrap apart, in python3-venv.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        "$base" -m venv .venv
      else
        echo "credbot: '$base -m venv' failed. Install python3-venv (sudo apt-get install python3-venv) and run again." >&2
        exit 1
      fi
    fi
  fi
  PY="$PWD/.venv/bin/python"
fi
export PY
