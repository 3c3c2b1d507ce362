#!/usr/bin/env bash
# `npm test`: set up what is missing, start a real redis-server on a free port for the Redis
# tests, check formatting, lint and types, run the whole tap suite, and stop what it started.
# Extra arguments go to tap (e.g. `npm test -- test/config`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test

redis_dir=$(mktemp -d)
redis_pid=
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$redis_dir"
}
trap cleanup EXIT

redis_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
  --logfile "$redis_dir/redis.log" &
redis_pid=$!
for _ in $(seq 1 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null || { echo "test: redis-server did not start" >&2; cat "$redis_dir/redis.log" >&2; exit 1; }
export REDIS_TEST_URL="redis://127.0.0.1:$redis_port"
echo "test: redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $redis_port"

echo "test: biome (format + lint)"
npx biome check .
echo "test: tsc (types)"
npx tsc -p tsconfig.json

npx tap "$@"
