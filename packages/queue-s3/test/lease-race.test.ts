// A zombie consumer against moto_server, which honours x-amz-copy-source-if-match and If-Match on DELETE: the zombie
// passed the fence (its lease was still valid when it looked) and its write is held while its lease expires and a
// second queue object (as a second process would have) rescues the item and hands it out again. Released, the
// zombie's success, fail or extend must change nothing and report LeaseLost; the new attempt completes normally.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { LEASE_EXPIRED_REASON, LeaseLost } from "@task-queue/queue-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Queue } from "../src/index.js";
import * as motoServer from "./support/moto-server.js";

const BUCKET = "queue-s3-lease-race";
const LEASE_SECONDS = 3;
const availability = await motoServer.motoAvailability();
const title = availability.available
  ? "a stale attempt racing a re-claim on moto_server"
  : `a stale attempt racing a re-claim on moto_server [skipped: ${availability.reason}]`;

async function keysUnder(client: S3Client, prefix: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  return (listed.Contents ?? [])
    .map((object) => object.Key!.slice(prefix.length + 1))
    .filter((key) => !key.startsWith(".tq-ids/")) // put's id markers (ops/id-index.ts), not copies of items
    .sort();
}

type Zombie = {
  name: string;
  /** The request the zombie's call makes after its fence check, and the stage folder it targets. */
  command: string;
  part: string;
  act(queue: S3Queue): Promise<unknown>;
};

const zombies: Zombie[] = [
  {
    name: "success without a result (server-side COPY)",
    command: "CopyObjectCommand",
    part: "/SUCCESS/",
    act: (queue) => queue.success("x", { attempt: 1 }),
  },
  {
    name: "success with a result (GET, then PUT of the envelope)",
    command: "PutObjectCommand",
    part: "/SUCCESS/",
    act: (queue) => queue.success("x", { attempt: 1, result: { zombie: true } }),
  },
  {
    name: "fail with a reason and attempts left (GET, then PUT to WAITING)",
    command: "PutObjectCommand",
    part: "/WAITING/",
    act: (queue) => queue.fail("x", { attempt: 1, reason: "zombie" }),
  },
  {
    name: "extend (PUT of PROCESSING in place, with If-Match)",
    command: "PutObjectCommand",
    part: "/PROCESSING/",
    act: (queue) => queue.extend("x", { attempt: 1, leaseSeconds: 600 }),
  },
];

describe.skipIf(!availability.available)(title, () => {
  let moto: motoServer.RunningMoto;

  beforeAll(async () => {
    moto = await motoServer.startMotoServer(BUCKET);
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it.each(zombies)(
    "a zombie's $name loses to the new attempt and reports LeaseLost",
    async (zombie) => {
      const prefix = `lease-race-${randomUUID()}`;
      const held = motoServer.holdingClient(moto.endpoint, zombie.command, zombie.part);
      const raw = motoServer.motoClient(moto.endpoint);
      const first = new S3Queue({ ...motoServer.motoConnection(moto, prefix), client: held.client });
      const second = new S3Queue(motoServer.motoConnection(moto, prefix));
      try {
        expect((await first.description()).arguments.conditional_deletes).toBe(true);
        await first.putJobs([{ id: "x", body: { n: 1 }, maxAttempts: 3 }]);
        const [job] = await first.getJobs(1, { leaseSeconds: LEASE_SECONDS });
        expect(job?.attempt).toBe(1);

        const reached = held.arm();
        const call = zombie.act(first);
        call.catch(() => {}); // settled below
        // The zombie's write is held only once its fence check passed (its lease was valid when it looked).
        const outcome = await Promise.race([
          reached.then(() => "held"),
          call.then(
            () => "finished",
            () => "failed",
          ),
        ]);
        expect(outcome, "the zombie's call reached its write while its lease was valid").toBe("held");

        // Its lease runs out; the second queue object rescues the item and hands it out again.
        const expiry = job!.leaseExpiresAt!.getTime();
        while (Date.now() <= expiry) await sleep(expiry - Date.now() + 20);
        const [again] = await second.getJobs(1, { leaseSeconds: 600, waitSeconds: 30 });
        expect(again?.itemId).toBe("x");
        expect(again?.attempt).toBe(2);

        held.release();
        await expect(call).rejects.toBeInstanceOf(LeaseLost);

        // Nothing of the zombie's stays: the item is PROCESSING on attempt 2, in that stage only.
        expect(await keysUnder(raw, prefix)).toEqual(["PROCESSING/x.json"]);
        const during = await second.lookupRecord("x");
        expect(during.stage).toBe("PROCESSING");
        expect(during.attempts).toBe(2);
        expect(during.lastError).toBe(LEASE_EXPIRED_REASON);
        expect(during.leaseExpiresAt!.getTime()).toBe(again!.leaseExpiresAt!.getTime());

        await second.success("x", { attempt: 2, result: { by: "second" } });
        const done = await first.lookupRecord("x");
        expect(done.stage).toBe("SUCCESS");
        expect(done.result).toEqual({ by: "second" });
        expect(await keysUnder(raw, prefix)).toEqual(["SUCCESS/x.json"]);
      } finally {
        held.release();
        await Promise.all([first.close(), second.close()]);
        held.client.destroy();
        raw.destroy();
      }
    },
    120_000,
  );
});
