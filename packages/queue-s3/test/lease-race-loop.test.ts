// The leased-consumers race of the conformance suite, run several times over on the store under test (s3rver by
// default: no conditional requests, and PUTs that are not atomic). Before the fix in ops/locate.ts about one run in
// four lost items there (a lookup read a newer copy torn and deleted it as stale; see test/torn-read.test.ts), so one
// run per suite missed it most of the time; these runs together catch it far more often. Each run is a fresh queue.
import { lifecycleCases } from "@task-queue/queue-core/testing";
import { afterAll, describe, it } from "vitest";
import { S3Queue } from "../src/index.js";
import { connection, freshPrefix, keepStageFolders, removePrefixes } from "./support/queues.js";

const RUNS = 4;
const raceCase = lifecycleCases.find((testCase) => testCase.requires === "leaseRaces");
if (raceCase === undefined) throw new Error("queue-core has no leaseRaces case any more");
const prefixes: string[] = [];

describe(`${raceCase.name}, ${RUNS} times`, () => {
  for (let run = 1; run <= RUNS; run++) {
    it(`run ${run}`, async () => {
      const prefix = freshPrefix(`lease-loop-${run}`);
      prefixes.push(prefix);
      await keepStageFolders(prefix);
      const queue = new S3Queue(connection(prefix));
      try {
        await raceCase.run(queue, { implementation: "JsonS3Queue", largeBatchSize: 0, concurrencyItems: 0 });
      } finally {
        await queue.close();
      }
    });
  }
});

afterAll(() => removePrefixes(prefixes));
