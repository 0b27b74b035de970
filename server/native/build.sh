#!/usr/bin/env bash
# Builds the optional GMP addon (server/native/build/Release/fibgmp.node). Needs a C compiler, make,
# python3 and libgmp-dev. Node's headers come from the running Node's own installation (include/node),
# so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")"
prefix="$(node -p 'require("node:path").resolve(process.execPath, "../..")')"
exec ../../node_modules/.bin/node-gyp rebuild --nodedir="$prefix"
