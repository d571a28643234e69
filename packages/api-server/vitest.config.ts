import { defineConfig } from "vitest/config";
import { embedPublic } from "./scripts/embed-public.js";

// The tests import src/, which imports the embedded public/ assets: generate them as build does.
embedPublic();

// Database tests share one machine with every other package's tests; generous timeouts, no timed assertions.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 180_000 },
});
