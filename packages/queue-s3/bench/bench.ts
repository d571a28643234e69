// Requests per item and items/s for put, get, success and fail, against an s3rver process (no conditional requests)
// and, when moto_server is installed, a moto_server process (conditional writes and deletes enforced, as on AWS S3).
// Requests are counted by an SDK middleware in the deserialize step, which runs once per HTTP attempt.
import { S3Client } from "@aws-sdk/client-s3";
import { S3Queue } from "../src/index.js";
import {
  MOTO_CREDENTIALS,
  MOTO_REGION,
  motoAvailability,
  S3RVER_CREDENTIALS,
  startMotoServer,
  startS3rver,
} from "../src/testing/index.js";

const BATCH = 100;

interface Store {
  label: string;
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  items: number;
}

async function benchStore(store: Store): Promise<void> {
  const ITEMS = store.items;
  const counts = new Map<string, number>();
  const client = new S3Client({
    endpoint: store.endpoint,
    region: store.region,
    forcePathStyle: true,
    credentials: store.credentials,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "deserialize", name: "countRequests" },
  );

  const take = (): Record<string, number> => {
    const snapshot = Object.fromEntries([...counts].map(([name, n]) => [name.replace(/Command$/, ""), n]));
    counts.clear();
    return snapshot;
  };

  const phase = async (label: string, run: () => Promise<void>): Promise<void> => {
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
  };

  const queue = new S3Queue({ basePath: `s3://${store.bucket}/bench`, client });
  try {
    const { arguments: args } = await queue.description(); // the one-time probe, outside the figures
    take();
    const ids = Array.from({ length: ITEMS }, (_, i) => `item-${String(i).padStart(6, "0")}`);
    console.log(
      `\nS3Queue on ${store.label} (conditional writes ${args.conditional_writes}, conditional deletes ${args.conditional_deletes}), ${ITEMS} items, batches of ${BATCH}, maxParallel 32`,
    );
    await phase("put", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) {
        await queue.put(
          Object.fromEntries(ids.slice(i, i + BATCH).map((id) => [id, { id, payload: "x".repeat(64) }])),
        );
      }
    });
    await phase("put again (all skipped)", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) {
        await queue.put(Object.fromEntries(ids.slice(i, i + BATCH).map((id) => [id, 0])));
      }
    });
    await phase("get", async () => {
      for (let got = 0; got < ITEMS; ) got += (await queue.get(BATCH)).length;
    });
    await phase("success", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) await queue.successMany(ids.slice(i, i + BATCH));
    });
    const failing = ids.map((id) => `f${id}`);
    for (let i = 0; i < ITEMS; i += BATCH) {
      await queue.put(Object.fromEntries(failing.slice(i, i + BATCH).map((id) => [id, { id }])));
    }
    for (let got = 0; got < ITEMS; ) got += (await queue.get(BATCH)).length;
    take();
    await phase("fail", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) await queue.failMany(failing.slice(i, i + BATCH));
    });
    await phase("requeue", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) await queue.requeue(failing.slice(i, i + BATCH));
    });
    await phase("sizes", async () => {
      await queue.sizes();
    });
    // The lifecycle: leases, extend, fenced completions with results, and what an idle get costs.
    const leased = ids.map((id) => `l${id}`);
    await phase("put_jobs", async () => {
      for (let i = 0; i < ITEMS; i += BATCH) {
        await queue.putJobs(leased.slice(i, i + BATCH).map((id) => ({ id, body: { id }, maxAttempts: 3 })));
      }
    });
    // The requeued f… items come first in key order; take them out of the way.
    for (let got = 0; got < ITEMS; ) got += (await queue.get(BATCH)).length;
    take();
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
  }
}

const s3rver = await startS3rver("queue-s3-bench");
try {
  await benchStore({
    label: "s3rver",
    endpoint: s3rver.endpoint,
    bucket: "queue-s3-bench",
    region: "us-east-1",
    credentials: S3RVER_CREDENTIALS,
    items: Number(process.env.BENCH_ITEMS ?? 2_000),
  });
} finally {
  await s3rver.stop();
}
const moto = await motoAvailability();
if (moto.available) {
  // moto serves about 150 requests/s: fewer items.
  const server = await startMotoServer("queue-s3-bench");
  try {
    await benchStore({
      label: "moto_server",
      endpoint: server.endpoint,
      bucket: server.bucket,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
      items: Number(process.env.BENCH_MOTO_ITEMS ?? 300),
    });
  } finally {
    await server.stop();
  }
} else {
  console.log(`\nmoto_server not run: ${moto.reason}`);
}
