import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { afterEach, expect, it } from "vitest";
import { freshPrefix, rawClient, removePrefix, target } from "./support/queues.js";

const example = (name: string): URL => new URL(`./readme/${name}`, import.meta.url);

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

const saved = { ...process.env };
afterEach(() => {
  process.env = saved;
});

// The example runs on the tests' S3 server (s3rver, or TEST_S3_*): its endpoint and a fresh prefix of its bucket
// replace the README's; the credentials and region reach the SDK's default chain through AWS_* variables, as the
// README's comment says.
it("the usage example runs on a real S3 server", async () => {
  const prefix = freshPrefix("readme");
  process.env = { ...saved, AWS_REGION: target.region };
  if (target.credentials) {
    process.env.AWS_ACCESS_KEY_ID = target.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = target.credentials.secretAccessKey;
  }
  const client = rawClient();
  try {
    const { logs } = await runExample(example("usage.ts"), [
      ["s3://my-bucket/batches", `s3://${target.bucket}/${prefix}`],
      ["http://127.0.0.1:9000", target.endpoint],
      ["forcePathStyle: true", `forcePathStyle: ${target.forcePathStyle}`],
    ]);
    expect(logs).toEqual([[["default", "nightly"]]]);
  } finally {
    await removePrefix(client, prefix);
    client.destroy();
  }
});
