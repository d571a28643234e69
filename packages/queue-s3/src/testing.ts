import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** s3rver's fixed credentials: it checks signatures against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface RunningS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * For tests, here and in apps that use S3Queue: a real S3-protocol server process (s3rver, an optional peer
 * dependency) with a bucket, on a free loopback port.
 */

/** Starts s3rver as a child process on a free loopback port (port 0), with its own temporary data folder. */
export async function startS3rver(bucket: string): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), "queue-s3-test-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  const child = spawn(
    process.execPath,
    // s3rver signs continuation tokens with DES, which OpenSSL 3 only offers through its legacy provider.
    [
      "--openssl-legacy-provider",
      bin,
      "-d",
      directory,
      "-a",
      "127.0.0.1",
      "-p",
      "0",
      "--silent",
      "--configure-bucket",
      bucket,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code} before listening: ${output}`)));
    child.once("error", reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
