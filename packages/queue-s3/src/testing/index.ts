/**
 * For tests, here and in apps that use S3Queue: real S3-protocol server processes on free loopback ports. s3rver (an
 * optional peer dependency) is quick but ignores conditional writes; moto_server (Python moto[server]) enforces
 * If-None-Match: *, so cross-process claims run for real.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { underCI } from "@task-queue/queue-core/testing";

/** s3rver's fixed credentials: it checks signatures against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** moto accepts any key and secret; fixed ones keep the SDK away from the default credential chain. */
export const MOTO_CREDENTIALS = { accessKeyId: "moto-test", secretAccessKey: "moto-test-secret" };
export const MOTO_REGION = "us-east-1";

export interface RunningS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

export interface RunningMoto {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

export type MotoAvailability = { available: true } | { available: false; reason: string };

const PYTHON_COMMAND = "python3";

/**
 * moto's own server, with one change: requests are served one at a time. `moto_server` serves each request on its
 * own thread, and its conditional PUT checks for the key and then writes it as two steps with no lock between them:
 * under load two concurrent If-None-Match: * PUTs of one key both succeed (measured: 3 rounds in 1,000 of 16 racing
 * PUTs on a loaded machine), and listings racing writes answer 500. AWS S3 makes a conditional write atomic, so the
 * thread race was the test store's, and it showed up as an item handed out twice in the 4-process drain. A lock
 * around the application keeps HTTP/1.1 keep-alive (threads) while the store sees one request at a time.
 */
const SERIAL_MOTO_SERVER = `
import signal, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()

def serial(environ, start_response):
    with lock:
        return list(app(environ, start_response))

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
run_simple(sys.argv[1], int(sys.argv[2]), serial, threaded=True)
`;
const MOTO_IMPORT_CHECK = "import moto.server, werkzeug";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Starts s3rver as a child process on a free loopback port (port 0), with its own temporary data folder. */
export async function startS3rver(bucket: string): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), "queue-s3-test-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  // s3rver signs continuation tokens with DES, which OpenSSL 3 only offers through its legacy provider.
  const args = ["--openssl-legacy-provider", bin, "-d", directory, "-a", "127.0.0.1", "-p", "0", "--silent"];
  const server = await startListening(process.execPath, [...args, "--configure-bucket", bucket], {
    listening: /listening on [\d.]+:(\d+)/,
  });
  return {
    endpoint: server.endpoint,
    async stop() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Whether moto's server can be run: `python3` (found the way a shell would, PATH) imports it. ENOENT, 127 from a
 * wrapper such as a pyenv shim without a Python, or an ImportError means it is missing. With CI set a missing
 * server throws: in CI these tests must run, never quietly skip. Any other failure to run it throws everywhere.
 */
export async function motoAvailability(): Promise<MotoAvailability> {
  const outcome = await new Promise<{ missing: boolean; detail: string }>((resolve, reject) => {
    let output = "";
    const child = spawn(PYTHON_COMMAND, ["-c", MOTO_IMPORT_CHECK], { stdio: ["ignore", "pipe", "pipe"] });
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") resolve({ missing: true, detail: `${PYTHON_COMMAND} is not on PATH` });
      else reject(error);
    });
    child.once("close", (code, signal) => {
      if (code === 0) resolve({ missing: false, detail: "" });
      else if (code === 127 || /ModuleNotFoundError|ImportError/.test(output))
        resolve({
          missing: true,
          detail: `moto's server is not importable by ${PYTHON_COMMAND}: ${output.trim()}`,
        });
      else
        reject(
          new Error(
            `${PYTHON_COMMAND} -c "${MOTO_IMPORT_CHECK}" exited with ${code ?? signal}: ${output.trim()}`,
          ),
        );
    });
  });
  if (!outcome.missing) return { available: true };
  if (underCI()) {
    throw new Error(
      `${outcome.detail}. CI is set, so the conditional-write tests of queue-s3 must run: install moto with its server extra (pip install "moto[server]")`,
    );
  }
  return { available: false, reason: `${outcome.detail}; install moto[server] to run them` };
}

/**
 * Starts moto's server (SERIAL_MOTO_SERVER) on a free loopback port and creates `bucket`. Port 0 works: the server
 * binds a free port and prints "Running on http://127.0.0.1:PORT", which is read here (no window in which another
 * process takes the port).
 */
export async function startMotoServer(bucket: string): Promise<RunningMoto> {
  const server = await startListening(PYTHON_COMMAND, ["-c", SERIAL_MOTO_SERVER, "127.0.0.1", "0"], {
    listening: /Running on http:\/\/127\.0\.0\.1:(\d+)/,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  try {
    await waitUntilAnswering(server.endpoint);
    const client = new S3Client({
      endpoint: server.endpoint,
      region: MOTO_REGION,
      forcePathStyle: true,
      credentials: MOTO_CREDENTIALS,
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { endpoint: server.endpoint, bucket, stop: server.stop };
}

/**
 * Spawns a server that prints the port it bound, and waits for that line. Both pipes are read for as long as the
 * process lives (moto logs every request; a full pipe would block it), keeping only a tail for error messages.
 */
async function startListening(
  command: string,
  args: string[],
  options: { listening: RegExp; env?: NodeJS.ProcessEnv },
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
  let tail = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not report its port within ${START_TIMEOUT_MS} ms: ${tail}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      tail = (tail + chunk.toString()).slice(-4000);
      const match = options.listening.exec(tail);
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
      reject(new Error(`${command} exited with ${code ?? signal} before listening: ${tail}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** Polls until the server answers any HTTP request (moto prints its address just before it serves). */
async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${endpoint} never answered`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
