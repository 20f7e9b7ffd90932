#!/usr/bin/env bash
# Install everything the test suite needs, then run lint, types and the whole suite.
# Used by README and by .ci/run. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
$PY -m pip install --quiet -e '.[test]' -c scripts/constraints.txt
# The AWS CLI pins its own botocore: it gets a venv of its own so it never fights boto3/s3fs.
if [ ! -x .venv-awscli/bin/aws ]; then
  $PY -m venv .venv-awscli
  .venv-awscli/bin/pip install --quiet awscli
fi
# GDAL's command-line tools (a real /vsis3/ client) come from Debian.
if ! command -v gdalinfo >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin) >/dev/null
  else
    echo "gdal-bin is required (apt-get install gdal-bin)" >&2
    exit 1
  fi
fi
# Headless Chromium for the web console's browser tests (driven by Playwright, whose own
# browser download is never used: tests launch Debian's /usr/bin/chromium).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium is required (apt-get install chromium)" >&2
    exit 1
  fi
fi
# Debian's nginx: the reverse proxy of docs/deploy.md, run on loopback by tests/server/test_proxy.py.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null
  else
    echo "nginx is required (apt-get install nginx)" >&2
    exit 1
  fi
fi
export GRENIER_AWS_CLI="$PWD/.venv-awscli/bin/aws"
$PY -m ruff check grenier tests benchmarks
$PY -m ruff format --check grenier tests benchmarks
$PY -m mypy
set +e
$PY -m pytest -n 2 --dist loadgroup "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit $rc
