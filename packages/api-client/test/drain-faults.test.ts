import { setTimeout as sleep } from "node:timers/promises";
import { type PrivatePostgres, startPrivatePostgres, testDatabaseUrl } from "@task-queue/queue-sql/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type DrainReport, type DrainSettings, describeDrain, runDrain, stopAll } from "./drain-harness.js";

// Issue 11's fault tests: real processes (an API server over PostgreSQL, consumers over HTTP), SIGKILL, and a
// PostgreSQL restart. Long by nature: generous time limits, and no timed assertions (the figures are printed).

const ITEMS = 10_000;
const DRAIN: Omit<DrainSettings, "databaseUrl"> = {
  items: ITEMS,
  consumers: 4,
  batch: 25,
  leaseSeconds: 2,
  waitSeconds: 1,
  killEveryMs: 1_000,
  workMaxMs: 100,
  // Past the 2 s lease: that batch's completion is a zombie's and must be refused.
  stallMs: 2_600,
  deadlineMs: 480_000,
};

afterAll(stopAll, 30_000);

/** What every drain must end with, whatever the fault. */
function expectExactlyOnce(report: DrainReport): void {
  expect(report.crashed).toEqual([]);
  expect(report.stages).toEqual({ SUCCESS: ITEMS });
  // The fencing: no id was confirmed as moved to two consumers (or twice to one)…
  expect(report.confirmedTwice).toEqual([]);
  expect(report.confirmedOnOtherAttempt).toEqual([]);
  expect(report.unexpectedSkips).toEqual([]);
  // …and every item without a logged confirmation was completed by the attempt of a consumer killed in between
  // sending that completion and logging its answer.
  expect(report.unexplained).toEqual([]);
  // The faults happened: consumers were killed holding items that went to others, and zombie completions were
  // refused.
  expect(report.kills).toBeGreaterThan(0);
  expect(report.reHandedItems).toBeGreaterThan(0);
  expect(report.leaseLostSkips).toBeGreaterThan(0);
}

describe("draining under faults (issue 11)", () => {
  it(`4 consumers over HTTP drain ${ITEMS} items while one is killed with SIGKILL every second`, async () => {
    const report = await runDrain({ ...DRAIN, databaseUrl: await testDatabaseUrl() });
    console.log(describeDrain("SIGKILL every second", report));
    expectExactlyOnce(report);
  }, 600_000);

  describe("with PostgreSQL restarted once", () => {
    let cluster: PrivatePostgres | undefined;
    afterAll(async () => {
      await stopAll();
      await cluster?.remove();
    });

    it(`the same drain, with a private PostgreSQL cluster restarted midway`, async () => {
      cluster = await startPrivatePostgres();
      const pg = cluster;
      const report = await runDrain({
        ...DRAIN,
        databaseUrl: pg.url,
        fault: {
          atSuccess: ITEMS / 3,
          run: async () => {
            // A crash (no shutdown checkpoint, sessions cut mid-statement), then recovery on start.
            await pg.stop("immediate");
            // Down long enough for every consumer to meet it (503s) and for leases to expire meanwhile.
            await sleep(3_000);
            await pg.start();
          },
        },
      });
      console.log(describeDrain("PostgreSQL restarted", report));
      expectExactlyOnce(report);
      expect(report.faultAt).not.toBeNull();
      expect(report.unavailableRetries.get + report.unavailableRetries.success).toBeGreaterThan(0);
    }, 600_000);
  });
});
