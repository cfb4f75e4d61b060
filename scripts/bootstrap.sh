#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for this project: system packages and .venv.
# Run as root from anywhere: bash scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '==> %s\n' "$*"; }

PACKAGES=(
  postgresql-15 redis-server chromium libharfbuzz-subset0 libpango-1.0-0
  libpangoft2-1.0-0 poppler-utils gettext fonts-dejavu-core clamav-daemon
  wrk  # bench/run.sh: load driver of target 3 (registry under gunicorn)
  default-jre-headless  # runs the Nu HTML Checker (tests/html_validator.py)
)
PYTHON_CANDIDATES=(/root/.pyenv/versions/3.12.1/bin/python3.12 python3.12)

# --- Debian packages ------------------------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
# On a fresh machine apt-get runs in the background while .venv and the test tools are
# installed (none of those steps needs a Debian package of this list); the script waits for
# it before its end.
apt_job=""
apt_log=""
if ((${#missing[@]})); then
  step "Installing Debian packages (beside the Python steps): ${missing[*]}"
  # We start PostgreSQL and Redis ourselves: forbid the packages' services from starting
  # (and from taking ports 5432/6379) while they are installed.
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    own_policy=1
  fi
  apt_log=$(mktemp /tmp/bootstrap-apt.XXXXXX)
  (
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}"
  ) >"$apt_log" 2>&1 &
  apt_job=$!
  # Whatever ends the script, apt-get ends first, then the policy goes.
  trap 'if [[ -n $apt_job ]]; then wait "$apt_job" 2>/dev/null || true; fi
        if [[ -n $own_policy ]]; then rm -f "$policy"; fi' EXIT
fi

# --- Python virtual environment -------------------------------------------------------
python=""
for candidate in "${PYTHON_CANDIDATES[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1; then python=$(command -v "$candidate"); break; fi
done
[[ -n $python ]] || { echo "Python 3.12 not found (tried ${PYTHON_CANDIDATES[*]})" >&2; exit 1; }

if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
  step "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

stamp=.venv/.bootstrap-stamp
digest=$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$digest" ]]; then
  step "Python dependencies up to date"
else
  step "Installing Python dependencies into .venv"
  log=.venv/pip-install.log
  # uv (pinned in the constraints) installs the same pinned versions as pip in a tenth of
  # the time (32 s against about 4 min from empty caches on this 2-core machine); pip does
  # it when uv cannot (no access to the index, say: pip also reads this machine's
  # find-links). The output goes to a log, shown only when both fail.
  uv_version=$(sed -n 's/^uv==//p' requirements/constraints.txt)
  if ! { .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$uv_version" \
      && .venv/bin/uv pip install -q --python .venv/bin/python \
        -c requirements/constraints.txt -e ".[dev]"; } >"$log" 2>&1; then
    echo "uv could not install the dependencies: pip does (log: $log)"
    if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
        && .venv/bin/python -m pip install -q --disable-pip-version-check \
          -c requirements/constraints.txt -e ".[dev]"; } >>"$log" 2>&1; then
      cat "$log" >&2
      echo "pip install failed (log: $log)" >&2
      exit 1
    fi
  fi
  echo "$digest" >"$stamp"
fi
mkdir -p var

# --- Test tools from the npm registry (tests/tools: the Nu HTML Checker, vnu.jar) --------
# The machine's Node.js and npm install them; the package's install script (which would
# download a Java runtime of its own) is not run: Debian's JRE runs the jar.
tools_stamp=tests/tools/node_modules/.bootstrap-stamp
tools_digest=$(sha256sum tests/tools/package-lock.json | cut -d' ' -f1)
if [[ -f $tools_stamp && $(cat "$tools_stamp") == "$tools_digest" ]]; then
  step "Test tools up to date"
else
  command -v npm >/dev/null 2>&1 || { echo "npm not found (Node.js and npm are needed)" >&2; exit 1; }
  step "Installing test tools into tests/tools/node_modules"
  log=var/npm-ci.log
  if ! npm ci --prefix tests/tools --ignore-scripts --no-audit --no-fund >"$log" 2>&1; then
    cat "$log" >&2
    echo "npm ci failed (log: $log)" >&2
    exit 1
  fi
  echo "$tools_digest" >"$tools_stamp"
fi
if [[ -n $apt_job ]]; then
  status=0
  wait "$apt_job" || status=$?
  apt_job=""
  if ((status)); then
    cat "$apt_log" >&2
    echo "apt-get install failed (exit status $status)" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi
step "Bootstrap done"
