import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    // moto_server's in-memory store sometimes answers HTTP 500 when many tests load the machine at once (seen in
    // clean-clone runs); more SDK retries ride those out, as a production client's retry policy would. Our own
    // error paths are tested with deliberate failures (requests.test.ts), not with moto's.
    env: { AWS_MAX_ATTEMPTS: "8" },
    hookTimeout: 60_000,
  },
});
