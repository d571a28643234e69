import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./support/cli-process.js";

describe("task-queue server shutdown", () => {
  let server: CliProcess;
  let url: URL;

  beforeAll(async () => {
    server = startCli(["server", "--port", "0"], { QUEUE_IMPLEMENTATION: "in-memory" });
    url = new URL(String((await server.waitForLog((log) => log.msg === "API server listening")).url));
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("finishes a request in flight when SIGTERM arrives, then exits 0", async () => {
    const body = JSON.stringify({ "in-flight": { n: 1 } });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/api/v1/queue/put",
          // 100-continue: the server's interim answer proves it holds the request before the body is sent.
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            expect: "100-continue",
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.on("continue", () => {
        server.child.kill("SIGTERM");
        // Give the signal time to start the shutdown before the body arrives.
        void server
          .waitForLog((log) => log.msg === "stopping: finishing requests in flight")
          .then(() => req.end(body));
      });
      req.flushHeaders();
    });
    const { status } = await answer;
    expect(status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(server.lines.some((line) => line.includes('"path":"/api/v1/queue/put"'))).toBe(true);
  });
});
