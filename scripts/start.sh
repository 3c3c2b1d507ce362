#!/usr/bin/env bash
# `npm start`: set up what is missing, then run the service with the embedded defaults
# (in-memory store, built-in roster, http://localhost:3000) unless the environment says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx server/main.ts
