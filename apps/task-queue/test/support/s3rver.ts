import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** s3rver's fixed credentials: it checks request signatures against them. */
export const S3RVER_KEY = "S3RVER";

export interface S3rver {
  endpoint: string;
  stop(): Promise<void>;
}

/** A local S3-compatible server (s3rver) as a child process on a free loopback port, with one bucket. */
export async function startS3rver(bucket: string): Promise<S3rver> {
  const directory = mkdtempSync(join(tmpdir(), "tq-s3rver-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  // s3rver signs continuation tokens with DES, which OpenSSL 3 offers only through its legacy provider.
  const args = ["--openssl-legacy-provider", bin, "-d", directory, "-a", "127.0.0.1", "-p", "0", "--silent"];
  const child: ChildProcess = spawn(process.execPath, [...args, "--configure-bucket", bucket], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before listening: ${output}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
