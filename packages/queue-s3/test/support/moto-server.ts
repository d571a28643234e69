import { type ChildProcess, spawn } from "node:child_process";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3ConnectionOptions } from "../../src/index.js";

/**
 * moto's S3 server (`moto_server`, from Python's moto[server]) as a child process. Unlike s3rver it enforces
 * If-None-Match: * on PutObject (412 PreconditionFailed), so the queue's cross-process claim path runs for real.
 * moto accepts any access key and secret; these fixed ones keep the SDK away from the default credential chain.
 */
export const MOTO_CREDENTIALS = { accessKeyId: "moto-test", secretAccessKey: "moto-test-secret" };
export const MOTO_REGION = "us-east-1";

export interface RunningMoto {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

export type MotoAvailability = { available: true } | { available: false; reason: string };

const COMMAND = "moto_server";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Whether `moto_server` can be run, found the way a shell would (PATH), by running `moto_server --help`: ENOENT, or
 * 127 from a wrapper such as a pyenv shim whose active Python lacks moto, means it is missing. With CI set a missing
 * server throws: in CI these tests must run, never quietly skip. Any other failure to run it throws everywhere.
 */
export async function motoAvailability(): Promise<MotoAvailability> {
  const outcome = await new Promise<{ missing: boolean; detail: string }>((resolve, reject) => {
    let output = "";
    const child = spawn(COMMAND, ["--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") resolve({ missing: true, detail: `${COMMAND} is not on PATH` });
      else reject(error);
    });
    child.once("close", (code, signal) => {
      if (code === 0) resolve({ missing: false, detail: "" });
      else if (code === 127)
        resolve({ missing: true, detail: `${COMMAND} is not runnable: ${output.trim()}` });
      else reject(new Error(`${COMMAND} --help exited with ${code ?? signal}: ${output.trim()}`));
    });
  });
  if (!outcome.missing) return { available: true };
  if (process.env.CI) {
    throw new Error(
      `${outcome.detail}. CI is set, so the conditional-write tests of queue-s3 must run: install moto with its server extra (pip install "moto[server]")`,
    );
  }
  return { available: false, reason: `${outcome.detail}; install moto[server] to run them` };
}

/**
 * Starts `moto_server` on a free loopback port and creates `bucket`. Port 0 works: the server binds a free port and
 * prints "Running on http://127.0.0.1:PORT", which is read here (no window in which another process takes the port).
 */
export async function startMotoServer(bucket: string): Promise<RunningMoto> {
  const child = spawn(COMMAND, ["-H", "127.0.0.1", "-p", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  // moto logs every request; keep reading both pipes so it never blocks on a full one, and keep the tail for errors.
  let tail = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${COMMAND} did not report its port within ${START_TIMEOUT_MS} ms: ${tail}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      tail = (tail + chunk.toString()).slice(-4000);
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(tail);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${COMMAND} exited with ${code ?? signal} before listening: ${tail}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint);
    const client = motoClient(endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { endpoint, bucket, stop: () => stopChild(child) };
}

/** Polls until the server answers any HTTP request (it prints its address just before it serves). */
async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${COMMAND} at ${endpoint} never answered`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A raw client for the moto server (bucket creation, checks behind the queue's back). */
export function motoClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: MOTO_REGION, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
}

/** Connection options for a queue at `s3://<bucket>/<prefix>` on the moto server. */
export function motoConnection(moto: RunningMoto, prefix: string): S3ConnectionOptions {
  return {
    basePath: `s3://${moto.bucket}/${prefix}`,
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    forcePathStyle: true,
    credentials: MOTO_CREDENTIALS,
  };
}

/** SIGTERM, then wait for the exit (SIGKILL if it does not come). */
async function stopChild(child: ChildProcess): Promise<void> {
  // No pid: it never started (spawn's error event), so there is nothing to stop.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
