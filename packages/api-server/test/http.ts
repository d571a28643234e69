import { request } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { serve } from "@hono/node-server";
import type { App } from "../src/index.js";

export interface Served {
  port: number;
  close(): Promise<void>;
}

/** Serves the app on a free loopback port, as the real server does; onConnection sees each accepted socket. */
export function serveOnLoopback(app: App, onConnection?: (socket: Socket) => void): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
    if (onConnection) server.on("connection", onConnection);
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends the path exactly as given (fetch would normalise `..` and escapes), and returns the body unparsed. One
 * connection per request: a server may close a connection after rejecting a body it did not read (413, 415), and a
 * kept-alive socket would carry that into the next request as a "socket hang up".
 */
export function send(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
