import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { type AppOptions, createApp } from "../src/index.js";

describe("createApp refuses bad options with InvalidArgument naming the option", () => {
  const queues = new InMemoryQueueNamespace();
  const cases: Array<[string, Partial<AppOptions>]> = [
    ["limits.maxItems", { limits: { maxItems: 0 } }],
    ["limits.maxBodyBytes", { limits: { maxBodyBytes: 1.5 } }],
    ["readyTimeoutMs", { readyTimeoutMs: -1 }],
    ["auth.token", { auth: { token: "" } }],
  ];
  for (const [option, bad] of cases) {
    it(option, () => {
      expect(() => createApp({ queues, ...bad })).toThrow(
        expect.objectContaining({ name: "InvalidArgument", argument: option }),
      );
    });
  }
});
