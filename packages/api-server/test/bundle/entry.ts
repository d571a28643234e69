// Bundled by bundle.test.ts into one file with esbuild (platform neutral: no Node built-in may be imported), then run.
import { createApp } from "@task-queue/api-server";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";

const app = createApp({ queues: new InMemoryQueueNamespace(), auth: { token: "secret" } });
const bearer = { authorization: "Bearer secret", "content-type": "application/json" };

/** A fetch-style handler, as Workers, Deno and Bun take it. */
const fetchHandler = (request: Request): Response | Promise<Response> => app.fetch(request);

const results: Record<string, unknown> = {};
results.healthz = (await fetchHandler(new Request("http://queue.test/healthz"))).status;
results.unauthorized = (await fetchHandler(new Request("http://queue.test/api/v1/queue/sizes"))).status;
const put = await fetchHandler(
  new Request("http://queue.test/api/v1/queue/put", { method: "POST", headers: bearer, body: '{"a":1}' }),
);
results.put = await put.json();
results.sizes = await (
  await fetchHandler(new Request("http://queue.test/api/v1/queue/sizes", { headers: bearer }))
).json();
const dashboard = await fetchHandler(new Request("http://queue.test/"));
results.dashboard = [dashboard.status, (await dashboard.text()).includes("<html")];
results.requestId = (await fetchHandler(new Request("http://queue.test/healthz"))).headers.get(
  "x-request-id",
);
console.log(JSON.stringify(results));
