import { request } from "node:http";

export { type Served, serveOnLoopback } from "../src/testing/index.js";

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
