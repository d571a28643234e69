import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "./support/cli-process.js";

/** The item record as the console's item page reads it. */
async function record(url: string, id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/api/v1/queues/jobs/item/${encodeURIComponent(id)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("ARGO_UI_URL: the item record links the item's Argo workflow", () => {
  it("links by the label the Argo worker sets (the id, or its hash); without the setting there is no link", async () => {
    const env = { QUEUE_IMPLEMENTATION: "in-memory" };
    const server = startCli(["server", "--port", "0"], {
      ...env,
      ARGO_UI_URL: "https://argo.invalid/argo-ui/workflows/argo/",
    });
    const plain = startCli(["server", "--port", "0"], env);
    try {
      const url = String((await server.waitForLog((log) => log.msg === "API server listening")).url);
      const plainUrl = String((await plain.waitForLog((log) => log.msg === "API server listening")).url);
      const items = [
        { item_id: "render-7", body: {} },
        { item_id: "scene 7/frame 1", body: {} },
      ];
      for (const base of [url, plainUrl]) {
        const put = await fetch(`${base}/api/v1/queues/jobs/put_jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(items),
        });
        expect(put.status).toBe(200);
      }

      expect((await record(url, "render-7")).workflow_url).toBe(
        "https://argo.invalid/argo-ui/workflows/argo?label=work-queue.queue-item-id%3Drender-7",
      );
      // Not a Kubernetes label value: the worker labels the workflow with 63 hex digits of the id's SHA-256.
      const hash = createHash("sha256").update("scene 7/frame 1").digest("hex").slice(0, 63);
      expect((await record(url, "scene 7/frame 1")).workflow_url).toBe(
        `https://argo.invalid/argo-ui/workflows/argo?label=work-queue.queue-item-id%3D${hash}`,
      );
      expect(await record(plainUrl, "render-7")).not.toHaveProperty("workflow_url");
    } finally {
      await server.stop("SIGKILL");
      await plain.stop("SIGKILL");
    }
  });

  it("refuses a value that is not an http(s) URL, naming the setting", async () => {
    const run = await runCli(["server", "--port", "0"], {
      QUEUE_IMPLEMENTATION: "in-memory",
      ARGO_UI_URL: "argo.example.com/workflows",
    });
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toContain("ARGO_UI_URL");
  });
});
