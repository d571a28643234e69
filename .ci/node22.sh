#!/usr/bin/env bash
# Node.js 22 as well as 20: the pack-install test and the queue conformance suites again, on the Node.js 22 binary
# that the npm registry's `node` package ships. Run by .ci/run after `pnpm test` (the packages are built).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22_DIR="${NODE22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/task-queue-node22}"
if ! "$NODE22_DIR/node_modules/node/bin/node" --version 2>/dev/null | grep -q '^v22\.'; then
  mkdir -p "$NODE22_DIR"
  npm install --prefix "$NODE22_DIR" --no-save --no-audit --no-fund --loglevel=error node@22 >/dev/null
fi
export PATH="$NODE22_DIR/node_modules/node/bin:$PATH"
echo "node22: $(node --version)"

run() {
  local package="$1"
  shift
  echo "node22: $package $*"
  pnpm --filter "$package" exec vitest run "$@"
}
run @task-queue/queue-core test/in-memory-queue.test.ts
run @task-queue/queue-sql test/conformance-pglite.test.ts test/conformance-server.test.ts
run @task-queue/queue-s3 test/conformance.test.ts
run @task-queue/queue-events test/in-memory-event-store.test.ts test/queue-with-events.test.ts \
  test/sql-queue-with-events.test.ts test/sql-event-store.test.ts
run @task-queue/api-client test/conformance-memory.test.ts test/conformance-sql.test.ts
run @task-queue/cli test/pack-install.test.ts
