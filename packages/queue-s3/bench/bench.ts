// Requests per item and items/s for put, get and success against an s3rver process (`pnpm bench`).
// Requests are counted by an SDK middleware in the deserialize step, which runs once per HTTP attempt.
import { S3Client } from "@aws-sdk/client-s3";
import { S3Queue } from "../src/index.js";
import { S3RVER_CREDENTIALS, startS3rver } from "../src/testing/index.js";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2_000);
const BATCH = 100;
const bucket = "queue-s3-bench";

const server = await startS3rver(bucket);
const counts = new Map<string, number>();
const client = new S3Client({
  endpoint: server.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: S3RVER_CREDENTIALS,
});
client.middlewareStack.add(
  (next, context) => async (args) => {
    const name = context.commandName ?? "unknown";
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return next(args);
  },
  { step: "deserialize", name: "countRequests" },
);

function take(): Record<string, number> {
  const snapshot = Object.fromEntries([...counts].map(([name, n]) => [name.replace(/Command$/, ""), n]));
  counts.clear();
  return snapshot;
}

async function phase(label: string, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  const byCommand = take();
  const total = Object.values(byCommand).reduce((a, b) => a + b, 0);
  const detail = Object.entries(byCommand)
    .map(([name, n]) => `${name} ${(n / ITEMS).toFixed(2)}`)
    .join(", ");
  console.log(
    `${label.padEnd(8)} ${(total / ITEMS).toFixed(2)} requests/item (${detail}); ${Math.round(ITEMS / seconds)} items/s`,
  );
}

const queue = new S3Queue({ basePath: `s3://${bucket}/bench`, client });
try {
  await queue.description(); // the one-time conditional-write probe, outside the figures
  take();
  const ids = Array.from({ length: ITEMS }, (_, i) => `item-${String(i).padStart(6, "0")}`);
  console.log(`S3Queue on s3rver, ${ITEMS} items, batches of ${BATCH}, maxParallel 32`);
  await phase("put", async () => {
    for (let i = 0; i < ITEMS; i += BATCH) {
      await queue.put(
        Object.fromEntries(ids.slice(i, i + BATCH).map((id) => [id, { id, payload: "x".repeat(64) }])),
      );
    }
  });
  await phase("get", async () => {
    for (let got = 0; got < ITEMS; ) got += (await queue.get(BATCH)).length;
  });
  await phase("success", async () => {
    for (let i = 0; i < ITEMS; i += BATCH) await queue.successMany(ids.slice(i, i + BATCH));
  });
  // The lifecycle: leases, extend, fenced completions with results, and what an idle get costs.
  const leased = ids.map((id) => `l${id}`);
  await phase("put_jobs", async () => {
    for (let i = 0; i < ITEMS; i += BATCH) {
      await queue.putJobs(leased.slice(i, i + BATCH).map((id) => ({ id, body: { id }, maxAttempts: 3 })));
    }
  });
  const attempts = new Map<string, number>();
  await phase("get+lease", async () => {
    for (let got = 0; got < ITEMS; ) {
      const jobs = await queue.getJobs(BATCH, { leaseSeconds: 600 });
      for (const job of jobs) attempts.set(job.itemId, job.attempt);
      got += jobs.length;
    }
  });
  await phase("extend", async () => {
    for (let i = 0; i < ITEMS; i += BATCH) {
      await Promise.all(
        leased
          .slice(i, i + BATCH)
          .map((id) => queue.extend(id, { attempt: attempts.get(id)!, leaseSeconds: 600 })),
      );
    }
  });
  // An idle get while ITEMS items are PROCESSING: the first scans them all (HEAD each), later ones only LIST.
  const idle = async (label: string) => {
    const start = performance.now();
    await queue.get(1);
    const byCommand = take();
    console.log(
      `${label.padEnd(8)} ${JSON.stringify(byCommand)} for one get(1) with ${ITEMS} PROCESSING; ${Math.round(performance.now() - start)} ms`,
    );
  };
  await idle("idle get, first");
  await idle("idle get, next");
  await phase("success+attempt+result", async () => {
    for (let i = 0; i < ITEMS; i += BATCH) {
      await queue.successMany(
        leased.slice(i, i + BATCH).map((id) => ({ id, attempt: attempts.get(id)!, result: { ok: true } })),
      );
    }
  });
} finally {
  await queue.close();
  client.destroy();
  await server.stop();
}
