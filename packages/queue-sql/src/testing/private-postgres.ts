import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where Debian/Ubuntu install PostgreSQL 15's server programs; PG_BIN_DIR points elsewhere. */
const BIN_DIR = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl, own port and data folder, trust auth, loopback only),
 * for tests that stop and start the database: never the machine's shared server, which other tests use meanwhile.
 * initdb and postgres refuse to run as root: as root, every command runs as the `postgres` user (runuser), in a
 * folder that user owns.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Stops the server: "fast" ends sessions cleanly, "immediate" is a crash (recovery on the next start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes the data folder; safe to call twice. */
  remove(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const owner = await postgresUser();
  const folder = await mkdtemp(join(tmpdir(), "tq-private-pg-"));
  if (owner !== null) await chown(folder, owner.uid, owner.gid);
  const dataDir = join(folder, "data");
  const logFile = join(folder, "server.log");
  const port = await freePort();
  const pg = (program: string, args: string[]) =>
    owner === null
      ? run(join(BIN_DIR, program), args)
      : run("runuser", ["-u", "postgres", "--", join(BIN_DIR, program), ...args]);

  await pg("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  // The socket goes in our folder (not /var/run/postgresql, which the shared server uses); TCP on loopback only.
  const serverOptions = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let running = false;
  let removed = false;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg("pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", serverOptions]);
      running = true;
    },
    async stop(mode = "fast") {
      await pg("pg_ctl", ["stop", "-w", "-t", "60", "-D", dataDir, "-m", mode]);
      running = false;
    },
    async remove() {
      if (removed) return;
      removed = true;
      try {
        if (running) await cluster.stop("immediate");
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
