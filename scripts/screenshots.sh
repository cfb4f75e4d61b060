#!/usr/bin/env bash
# Regenerate the screenshots of docs/screenshots/ from the browser suite: the pages marked
# `shot=True` in tests/e2e/pages.py, for each role. SQLite, headless Chromium.
# Usage: bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >/dev/null
.venv/bin/python manage.py compilemessages -l en >/dev/null
rm -f docs/screenshots/*.png
PORTAL_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/e2e/test_accessibility.py -k every_page
ls -l docs/screenshots/
