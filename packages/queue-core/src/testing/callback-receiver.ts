import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER } from "../callback-signature.js";

/** One request the receiver got. */
export interface ReceivedCallback {
  path: string;
  deliveryId: string | null;
  signature: string | null;
  /** The body exactly as sent (what the signature covers). */
  body: string;
  /** The status it was answered with ("hang": none). */
  answered: number | "hang";
}

/**
 * A callback receiver on 127.0.0.1 for tests: records every request, answers with a chosen status (or never, to
 * test timeouts, or a redirect), and can go down and come back on the same port. `delivered()` de-duplicates by
 * delivery id, as a real receiver would: what a test counts.
 */
export interface CallbackReceiver {
  url(path?: string): string;
  readonly received: ReceivedCallback[];
  /** First request per delivery id among those answered 2xx. */
  delivered(): Map<string, ReceivedCallback>;
  /** Answer further requests with this status, or "hang" to never answer. Default 200. */
  respondWith(answer: number | "hang"): void;
  /** Stops listening (connections are refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves when check() holds, polling; rejects after timeoutMs. */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  let answer: number | "hang" = 200;
  const hanging = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const header = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return typeof value === "string" ? value : null;
      };
      received.push({
        path: req.url ?? "/",
        deliveryId: header(DELIVERY_ID_HEADER),
        signature: header(SIGNATURE_HEADER),
        body,
        answered: answer,
      });
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      if (answer >= 300 && answer < 400) res.setHeader("location", "/redirected");
      res.statusCode = answer;
      res.end();
    });
  };
  let server: Server = createServer(handle);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: (path = "/callback") => `http://127.0.0.1:${port}${path}`,
    received,
    delivered() {
      const out = new Map<string, ReceivedCallback>();
      for (const request of received) {
        const ok = typeof request.answered === "number" && request.answered < 300 && request.answered >= 200;
        if (ok && request.deliveryId !== null && !out.has(request.deliveryId))
          out.set(request.deliveryId, request);
      }
      return out;
    },
    respondWith(next) {
      answer = next;
    },
    down: stop,
    async up() {
      server = createServer(handle);
      await listen(port);
    },
    async waitFor(check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(`callback receiver: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: stop,
  };
}
