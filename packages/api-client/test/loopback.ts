import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type AppOptions, createApp } from "@task-queue/api-server";

export interface RunningServer {
  baseUrl: string;
  stop(): Promise<void>;
}

/** createApp served on a free loopback port, as `task-queue server` does. */
export function startServer(options: AppOptions): Promise<RunningServer> {
  const app = createApp(options);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        baseUrl: `http://127.0.0.1:${info.port}`,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
