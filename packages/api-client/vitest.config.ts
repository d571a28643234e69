import { defineConfig } from "vitest/config";

// Database tests share one machine with every other package's tests; generous timeouts, no timed assertions.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 180_000 },
});
