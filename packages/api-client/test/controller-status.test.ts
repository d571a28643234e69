import { createApp } from "@task-queue/api-server";
import { type Served, serveOnLoopback } from "@task-queue/api-server/testing";
import { InMemoryQueueNamespace, isStale } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../src/index.js";

describe("ApiClient.controllerStatus against a real server", () => {
  // The store's clock, moved by hand so "stale" can be reached without waiting.
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const queues = new InMemoryQueueNamespace({ now: () => clock });
  let server: Served;
  let client: ApiClient;

  beforeAll(async () => {
    server = await serveOnLoopback(createApp({ queues, auth: { token: "t0ken" } }));
    client = new ApiClient({ baseUrl: server.baseUrl, token: "t0ken" });
  });
  afterAll(() => server.close());

  it("is null before any controller ticked, on the default queue and a named one", async () => {
    expect(await client.controllerStatus()).toBeNull();
    expect(await client.queue("jobs").controllerStatus()).toBeNull();
  });

  it("shows what the leading controller recorded, typed, as listQueues does; stale once it stops ticking", async () => {
    await client.queue("jobs").put({ j: 1 }); // listQueues shows queues that hold items
    // What a controller's tick records (the controller package's Controller calls this after each tick).
    await queues.queue("jobs").recordControllerStatus({
      identity: "host-1/4242",
      leader: true,
      paused: true,
      periodSeconds: 2,
    });
    clock += 3_000;
    const status = await client.queue("jobs").controllerStatus();
    expect(status).toEqual({
      identity: "host-1/4242",
      leader: true,
      paused: true,
      periodSeconds: 2,
      lastTickAt: new Date("2026-01-01T00:00:00Z"),
      ageSeconds: 3,
    });
    expect(isStale(status!)).toBe(false);
    // The other queues are untouched, and listQueues carries the same status in its wire form.
    expect(await client.controllerStatus()).toBeNull();
    const listed = (await client.listQueues()).find((summary) => summary.name === "jobs");
    expect(listed?.controller).toEqual({
      last_tick_at: "2026-01-01T00:00:00.000Z",
      age_seconds: 3,
      identity: "host-1/4242",
      leader: true,
      paused: true,
      period_seconds: 2,
      stale: false,
    });

    clock += 60_000;
    const later = await client.queue("jobs").controllerStatus();
    expect(later?.ageSeconds).toBe(63);
    expect(isStale(later!)).toBe(true);
  });

  it("needs the token like every other route", async () => {
    const stranger = new ApiClient({ baseUrl: server.baseUrl, token: "nope" });
    await expect(stranger.queue("jobs").controllerStatus()).rejects.toMatchObject({ status: 401 });
  });
});
