import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { dropQueueTable, randomTableName, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { expect, it } from "vitest";

const TOKEN = "readme-token-0123456789";

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

// The example runs on TEST_DATABASE_URL with a random table, the token is given instead of read from the
// environment, it listens on a free loopback port instead of 8000 and exports its server so the test finds the
// port. The test plays the app's SIGTERM with process.emit: the example's handler runs, no signal is sent.
it("the usage example serves the API on PostgreSQL with its token, and stops on SIGTERM", async () => {
  const url = await testDatabaseUrl();
  const table = randomTableName();
  try {
    const { exports } = await runExample(new URL("./readme/usage.ts", import.meta.url), [
      ["postgres://app@db/app", url],
      ['"task_queue_items"', `"${table}"`],
      ["process.env.TASK_QUEUE_TOKEN!", JSON.stringify(TOKEN)],
      ["port: 8000", 'port: 0, hostname: "127.0.0.1"'],
      ["const server = serve(", "export const server = serve("],
    ]);
    const server = exports.server as Server;
    if (!server.listening) await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/queue`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${base}/sizes`)).status).toBe(401);
    const put = await fetch(`${base}/put`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ "job-1": { n: 1 } }),
    });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${base}/sizes`, { headers: auth })).json()).toEqual({
      WAITING: 1,
      PROCESSING: 0,
      SUCCESS: 0,
      FAIL: 0,
    });
    const closed = once(server, "close");
    process.emit("SIGTERM");
    await closed;
    expect(server.listening).toBe(false);
  } finally {
    await dropQueueTable(url, table);
  }
});
