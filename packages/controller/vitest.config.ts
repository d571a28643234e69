import { defineConfig } from "vitest/config";

// The tests share one machine with every other package's tests (processes, servers, browsers): a loaded machine must
// not fail them on vitest's 5 s default, so generous timeouts, and no timed assertions.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
