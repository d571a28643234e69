import { defineConfig } from "vitest/config";

// The tests start the real program as child processes; a busy CI machine can take seconds per start.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 180_000 },
});
