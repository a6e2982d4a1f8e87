#!/bin/sh
# ctest entry: validates an OpenAPI document with the npm tools of this folder
# (installed by `make test`: apt-get install nodejs npm if missing, npm ci).
# Fails with the reason when they are missing; it never skips.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: Node.js is not installed. Run 'make test' (it installs nodejs and npm from Debian) or: apt-get install nodejs npm" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@seriousme/openapi-schema-validator" ] || [ ! -d "$here/node_modules/ajv" ]; then
  echo "FAIL: the validators are not installed in $here/node_modules. Run 'make test' or: (cd $here && npm ci)" >&2
  exit 1
fi
exec node "$here/validate.mjs" "$1"
