import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { InvalidArgument, QueueItemStage } from "@task-queue/queue-core";
import { recordingLogger } from "@task-queue/queue-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Queue, S3QueueNamespace } from "../src/index.js";
import { connection, freshPrefix, itemKeys, rawClient, removePrefix, target } from "./support/queues.js";

let client: S3Client;
const prefixes: string[] = [];

function newPrefix(label: string): string {
  const prefix = freshPrefix(label);
  prefixes.push(prefix);
  return prefix;
}

beforeAll(() => {
  client = rawClient();
});
afterAll(async () => {
  for (const prefix of prefixes) await removePrefix(client, prefix);
  client.destroy();
});

describe("S3QueueNamespace", () => {
  it("keeps the default queue at the base path and named queues in sub-prefixes, and lists those holding items", async () => {
    const prefix = newPrefix("ns");
    const namespace = new S3QueueNamespace(connection(prefix));
    try {
      expect(await namespace.listQueues()).toEqual([]);
      await namespace.queue("default").put({ a: "default" });
      await namespace.queue("alpha").put({ a: "alpha" });
      namespace.queue("empty");
      expect(await namespace.listQueues()).toEqual(["alpha", "default"]);
      expect((await namespace.queue("default").lookupItem("a")).itemBody).toBe("default");
      expect((await namespace.queue("alpha").lookupItem("a")).itemBody).toBe("alpha");
      expect(await namespace.queue("default").sizes()).toEqual({
        WAITING: 1,
        PROCESSING: 0,
        SUCCESS: 0,
        FAIL: 0,
      });
      expect(namespace.queue("alpha")).toBe(namespace.queue("alpha"));
      expect(await itemKeys(client, `${prefix}/`)).toEqual([
        `${prefix}/WAITING/a.json`,
        `${prefix}/alpha/.task-queue.json`,
        `${prefix}/alpha/WAITING/a.json`,
      ]);
    } finally {
      await namespace.close();
    }
  });

  it("refuses queue names that could escape the prefix or collide with the default queue's stage folders", () => {
    const namespace = new S3QueueNamespace(connection(newPrefix("ns-names")));
    for (const name of ["../etc", "a/b", "", ".hidden", "WAITING", "FAIL"]) {
      expect(() => namespace.queue(name)).toThrow(InvalidArgument);
    }
    expect(() => new S3Queue({ ...connection("x"), queueName: "PROCESSING" })).toThrow(InvalidArgument);
  });
});

describe("the layout of the system we replace", () => {
  it("reads items written as <base>/WAITING/<id>.json by another program", async () => {
    const prefix = newPrefix("legacy");
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `${prefix}/WAITING/job-7.json`,
        Body: '{"legacy":true}',
      }),
    );
    const queue = new S3Queue(connection(prefix));
    try {
      expect(await queue.lookupItem("job-7")).toEqual({
        itemId: "job-7",
        status: QueueItemStage.WAITING,
        itemBody: { legacy: true },
      });
      expect(await queue.get(1)).toEqual([["job-7", { legacy: true }]]);
      await queue.success("job-7");
      expect(await itemKeys(client, `${prefix}/`)).toEqual([`${prefix}/SUCCESS/job-7.json`]);
    } finally {
      await queue.close();
    }
  });
});

describe("conditional writes", () => {
  it("are probed once; the answer is in description(), with a warning for each condition the store ignores", async () => {
    const logger = recordingLogger();
    const queue = new S3Queue(connection(newPrefix("probe"), { logger }));
    try {
      const description = await queue.description();
      await queue.put({ a: 1 });
      await queue.get(1);
      const warnings = logger.records.filter((record) => record.level === "warn").map((record) => record.msg);
      const enforced = description.arguments.conditional_writes;
      const deletes = description.arguments.conditional_deletes;
      expect(description.implementation).toBe("JsonS3Queue");
      expect(description.arguments.s3_base_path).toMatch(/^s3:\/\/[^/]+\//);
      // s3rver ignores If-None-Match and If-Match on DELETE; AWS S3 enforces both.
      if (target.kind === "s3rver") expect([enforced, deletes]).toEqual([false, false]);
      expect(warnings).toHaveLength((enforced ? 0 : 1) + (deletes ? 0 : 1));
      if (!enforced) {
        expect(warnings[0]).toMatch(/only one consumer process is safe/);
        expect(description.arguments.consumers).toMatch(/only one consumer process is safe/);
      }
      if (!deletes) {
        expect(warnings.at(-1)).toMatch(/ignores conditional deletes/);
        expect(description.arguments.moves).toMatch(/can be lost/);
      }
      expect(JSON.stringify(description)).not.toContain(target.credentials?.secretAccessKey ?? "\u0000");
    } finally {
      await queue.close();
    }
  });
});
