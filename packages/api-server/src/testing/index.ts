/**
 * `@task-queue/api-server/testing`: the API served on a real loopback socket for tests and benchmarks, the way
 * `task-queue server` serves it (@hono/node-server, an optional peer dependency of this entry point).
 * @packageDocumentation
 */
import type { AddressInfo, Socket } from "node:net";
import { serve } from "@hono/node-server";

export interface Served {
  port: number;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Stops listening and waits for open connections to end. */
  close(): Promise<void>;
}

/** Serves a fetch handler (createApp's Hono app) on a free port of 127.0.0.1; onConnection sees each accepted socket. */
export function serveOnLoopback(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  onConnection?: (socket: Socket) => void,
): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        port: info.port,
        baseUrl: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
    if (onConnection) server.on("connection", onConnection);
  });
}
