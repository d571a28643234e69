import { runQueueConformance } from "@task-queue/queue-core/testing";
import { afterAll } from "vitest";
import { S3Queue } from "../src/index.js";
import { connection, freshPrefix, rawClient, removePrefix } from "./support/queues.js";

const prefixes: string[] = [];

// S3 lists keys in key order, not in the order items entered WAITING: the strict FIFO cases are skipped, and so are
// the priority and delay cases (S3Queue declares neither; see the README). s3rver enforces no conditional requests:
// leased consumers racing rescues have lost an item there (1 of 200 in one CI run), so that case is declared out
// (leaseRaces) on s3rver — a known defect, open — and runs on moto_server, which enforces them.
// The full 10,000-item batch runs; on s3rver (about 1,000 requests/s) it takes a minute or two, hence the timeout.
runQueueConformance(
  "S3Queue",
  () => {
    const prefix = freshPrefix("conformance");
    prefixes.push(prefix);
    return new S3Queue(connection(prefix));
  },
  { strictFifo: false, priority: false, delay: false },
  { timeoutMs: 300_000 },
);

afterAll(async () => {
  const client = rawClient();
  try {
    for (const prefix of prefixes) await removePrefix(client, prefix);
  } finally {
    client.destroy();
  }
});
