import { runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll } from "vitest";
import { S3Queue } from "../src/index.js";
import { S3_CAPABILITIES } from "./support/capabilities.js";
import { connection, freshPrefix, keepStageFolders, removePrefixes } from "./support/queues.js";

const prefixes: string[] = [];

// S3 lists keys in key order, not in the order items entered WAITING: the strict FIFO cases are skipped, and so are
// the priority and delay cases (S3Queue declares neither; see the README). The leased-consumers race (leaseRaces)
// runs here too, on s3rver's no-conditional path (test/torn-read.test.ts and test/lease-race-loop.test.ts say why it
// once lost items there).
// The full 10,000-item batch runs; on s3rver (about 1,000 requests/s) it takes a minute or two, hence the timeout.
runQueueConformance(
  "S3Queue",
  async () => {
    const prefix = freshPrefix("conformance");
    prefixes.push(prefix);
    await keepStageFolders(prefix);
    return new S3Queue(connection(prefix));
  },
  S3_CAPABILITIES,
  { implementation: "JsonS3Queue", timeoutMs: 300_000 },
);

afterAll(() => removePrefixes(prefixes));
