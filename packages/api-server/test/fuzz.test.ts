import {
  InMemoryQueueNamespace,
  type QueueItemStage,
  type QueueNamespace,
  STAGE_NAMES,
} from "@task-queue/queue-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, openApiDocument } from "../src/index.js";
import { type Served, send, serveOnLoopback } from "./http.js";
import { postgresBackend } from "./postgres.js";

// Property-based fuzzing of the whole HTTP API: random requests to every route of the OpenAPI document, with random
// path and query strings, content types and JSON (deep, wide, odd strings, huge numbers, duplicate keys). The
// property: never a 5xx, and a 4xx leaves every queue exactly as it was. Fixed seed and bounded count, so a run is
// reproducible; a failure prints the request that broke it.
const SEED = 1_807_2026;
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const QUEUE_NAMES = ["default", "fuzz"];

interface Backend {
  label: string;
  open(): Promise<{ queues: QueueNamespace; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    label: "memory",
    open: async () => ({ queues: new InMemoryQueueNamespace(), cleanup: async () => {} }),
  },
  postgresBackend,
];

/** Everything a request could change: for every queue, the ids in every stage. */
async function snapshot(queues: QueueNamespace): Promise<string> {
  const names = [...new Set([...QUEUE_NAMES, ...(await queues.listQueues())])].sort();
  const state: Record<string, Record<string, string[]>> = {};
  for (const name of names) {
    const queue = queues.queue(name);
    state[name] = {};
    for (const [n, stage] of STAGE_NAMES.entries()) {
      state[name][stage] = (await queue.lookupState(n as QueueItemStage)).ids.slice().sort();
    }
  }
  return JSON.stringify(state);
}

// --- random JSON text ---------------------------------------------------------------------------------------------
const oddStrings = fc.constantFrom(
  "\\u0000",
  "\\ud800",
  "\\udfff",
  "\\ud83d\\ude00",
  "\\u0001",
  "\\u2028",
  "\\ufeff",
  "\\\\",
  "\\/",
  "\u{1F389}",
  "__proto__",
  "constructor",
  "%00",
  "",
);
const jsonString = fc
  .oneof(
    fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s).slice(1, -1)),
    fc.array(oddStrings, { maxLength: 4 }).map((parts) => parts.join("")),
    fc.string({ unit: "binary", maxLength: 8 }).map((s) => JSON.stringify(s).slice(1, -1)),
  )
  .map((inner) => `"${inner}"`);
const jsonNumber = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom("1e400", "-1e400", "-0", "123456789012345678901234567890", "1E-400", "0.1e1", "-9e999999"),
);
const leaf = fc.oneof(jsonString, jsonNumber, fc.constantFrom("true", "false", "null"));
const { value: jsonText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }).map((xs) => `[${xs.join(",")}]`),
    // Keys from a small set, so duplicate keys are common.
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom('"a"', '"b"', '"__proto__"'), jsonString), tie("value")), {
        maxLength: 5,
      })
      .map((kvs) => `{${kvs.map(([k, v]) => `${k}:${v}`).join(",")}}`),
  ),
}));
const deepJson = fc
  .tuple(fc.constantFrom(1, 200, 256, 257, 258, 300, 5_000, 100_000), fc.constantFrom("[", '{"k":'), leaf)
  .map(([depth, open, inner]) => {
    const close = open === "[" ? "]" : "}";
    return open.repeat(depth) + inner + close.repeat(depth);
  });
const wideJson = fc
  .tuple(fc.integer({ min: 100, max: 5_000 }), leaf)
  .map(([n, inner]) => `[${new Array<string>(n).fill(inner).join(",")}]`);
const anyJson = fc.oneof(jsonText, deepJson, wideJson);

// --- random ids, queue names, path segments, queries ---------------------------------------------------------------
const ids = fc.oneof(
  fc.constantFrom("seed-waiting", "seed-processing", "seed-fail", "seed-success", "new-item"),
  fc.string({ maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom("", "x".repeat(600), "a\u0000b", "\ud800", "../x", "a/b", " "),
);
/** A path segment: usually percent-encoded, sometimes raw escapes that decode to garbage or do not decode. */
const segment = fc.oneof(
  ids.map((id) => encodeURIComponent(id.isWellFormed() ? id : id.toWellFormed())),
  fc.constantFrom(...STAGE_NAMES, "7", "-1", "0", "1", "10", "10001", "99999999999999999999", "1.5", "1e3"),
  fc.constantFrom("%00", "%ZZ", "%", "%E6%97", "%ED%A0%80", "..", "%2F", "%252F", "a%20b", "%C0%AF"),
);
const queryValue = fc.oneof(
  segment,
  fc.constantFrom("", "0", "1", "10000", "10001", "-1", "abc", "1e3", "Infinity", "seed-waiting"),
);
const query = fc
  .array(fc.tuple(fc.constantFrom("limit", "cursor", "x", "limit[]", "cursor"), queryValue), { maxLength: 3 })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON;charset=UTF-8",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/vnd.api+json",
  undefined,
);
const putBody = fc
  .array(fc.tuple(ids, anyJson), { maxLength: 4 })
  .map((kvs) => `{${kvs.map(([id, v]) => `${JSON.stringify(id)}:${v}`).join(",")}}`);
const listBody = fc.oneof(
  fc.array(ids, { maxLength: 4 }).map((xs) => JSON.stringify(xs)),
  ids.map((id) => JSON.stringify(id)),
  anyJson,
);
const garbageBody = fc.constantFrom(
  "",
  "{",
  '{"a":1,}',
  "nul\u0000",
  "[]]",
  '{"a":"\\ud800"}',
  "null",
  "\ufeff{}",
);

interface Route {
  method: string;
  path: string;
}

/** Every route of the app's OpenAPI document, so that a new route is fuzzed without touching this file. */
function routesOf(document: { paths: Record<string, Record<string, unknown>> }): Route[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
}

const requestFor = (routes: Route[]) =>
  fc
    .record({
      route: fc.constantFrom(...routes),
      segments: fc.array(segment, { minLength: 3, maxLength: 3 }),
      queueName: fc.oneof(fc.constantFrom(...QUEUE_NAMES), segment),
      query,
      contentType,
      body: fc.oneof(putBody, listBody, garbageBody),
    })
    .map(({ route, segments, queueName, query, contentType, body }) => {
      let i = 0;
      const path = route.path.replace(/\{([a-z_]+)\}/g, (_, name: string) =>
        name === "queue_name" ? queueName : (segments[i++] as string),
      );
      const hasBody = route.method === "POST";
      const request = {
        method: route.method,
        path: `${path}${query}`,
        body: hasBody ? body : undefined,
        headers: (hasBody && contentType !== undefined ? { "content-type": contentType } : {}) as Record<
          string,
          string
        >,
      };
      // A failure report shows the request, with long bodies cut in the middle.
      const shown = (text: string) =>
        text.length <= 300 ? text : `${text.slice(0, 150)}…(${text.length} chars)…${text.slice(-100)}`;
      return Object.assign(request, {
        [fc.toStringMethod]: () =>
          `${request.method} ${shown(request.path)} ${JSON.stringify(request.headers)} ${shown(request.body ?? "")}`,
      });
    });

for (const backend of backends) {
  describe(`${backend.label}: fuzzed requests`, () => {
    let server: Served;
    let queues: QueueNamespace;
    let cleanup: () => Promise<void>;
    let routes: Route[];
    const json = { "content-type": "application/json" };

    beforeAll(async () => {
      ({ queues, cleanup } = await backend.open());
      const app = createApp({ queues });
      routes = routesOf(openApiDocument(app) as { paths: Record<string, Record<string, unknown>> });
      server = await serveOnLoopback(app);
      for (const prefix of ["/api/v1/queue", "/api/v1/queues/fuzz"]) {
        const batch = { "seed-waiting": 1, "seed-processing": 2, "seed-fail": 3, "seed-success": { s: [4] } };
        await send(server.port, "POST", `${prefix}/put`, JSON.stringify(batch), json);
        await send(server.port, "GET", `${prefix}/get/3`);
        await send(server.port, "POST", `${prefix}/fail/seed-fail`);
        await send(server.port, "POST", `${prefix}/success/seed-success`);
        await send(server.port, "POST", `${prefix}/put`, '{"seed-waiting": 1}', json);
      }
    });
    afterAll(async () => {
      await server?.close();
      await queues?.close();
      await cleanup?.();
    });

    it("enumerates the routes from the OpenAPI document", () => {
      expect(routes.length).toBeGreaterThan(30);
      expect(routes).toContainEqual({
        method: "GET",
        path: "/api/v1/queues/{queue_name}/lookup_state_page/{stage}",
      });
    });

    // The inputs that answered 500 before issue 18 (found by hand, and by this fuzzer on the code of that time).
    const regressions: Array<[string, string, string | undefined, Record<string, string>, number]> = [
      ["POST", "/api/v1/queue/put", `{"d":${"[".repeat(5_000)}${"]".repeat(5_000)}}`, json, 422],
      ["POST", "/api/v1/queue/put", `{"d":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, json, 422],
      ["POST", "/api/v1/queue/put", `{"d":${'{"k":'.repeat(300)}1${"}".repeat(300)}}`, json, 422],
      ["POST", "/api/v1/queue/put", '{"s":"\\ud800"}', json, 422],
      ["POST", "/api/v1/queue/put", '{"s":{"\\udc00":1}}', json, 422],
      ["POST", "/api/v1/queue/put", '{"s":"a\\u0000b"}', json, 422],
      ["POST", "/api/v1/queue/put", '{"s":{"\\u0000":1}}', json, 422],
      ["GET", "/api/v1/queue/lookup_state_page/WAITING?cursor=%00", undefined, {}, 422],
      ["GET", `/api/v1/queues/fuzz/lookup_state_page/FAIL?cursor=${"x".repeat(600)}`, undefined, {}, 422],
      ["POST", "/api/v1/queue/put", '{"plain":1}', { "content-type": "text/plain" }, 415],
      ["POST", "/api/v1/queue/put", '{"none":1}', {}, 415],
      [
        "POST",
        "/api/v1/queue/requeue",
        '"seed-fail"',
        { "content-type": "application/x-www-form-urlencoded" },
        415,
      ],
    ];
    for (const [method, path, body, headers, status] of regressions) {
      it(`regression: ${method} ${path.slice(0, 50)} ${(body ?? "").slice(0, 30)} → ${status}`, async () => {
        const before = await snapshot(queues);
        const response = await send(server.port, method, path, body, headers);
        expect(response.status, response.text.slice(0, 300)).toBe(status);
        expect(await snapshot(queues)).toBe(before);
      });
    }

    it("a rejected item names its id and the path inside its body", async () => {
      const deep = `${"[".repeat(300)}${"]".repeat(300)}`;
      const response = await send(
        server.port,
        "POST",
        "/api/v1/queue/put",
        `{"ok":1,"bad":{"x":${deep}}}`,
        json,
      );
      expect(response.status).toBe(422);
      const [problem] = JSON.parse(response.text).detail as Array<{ loc: unknown[]; msg: string }>;
      expect(problem?.loc).toEqual(["body", "bad", "x", ...new Array(255).fill(0)]);
      expect(problem?.msg).toMatch(/^body\.x\[0\].*nests deeper than the limit of 256 levels$/);
      const lone = await send(
        server.port,
        "POST",
        "/api/v1/queue/put",
        '{"ok":1,"bad":{"l":[0,"\\ud800"]}}',
        json,
      );
      expect(JSON.parse(lone.text).detail).toEqual([
        {
          loc: ["body", "bad", "l", 1],
          msg: "body.l[1] holds a lone UTF-16 surrogate, which is not Unicode text",
          type: "value_error",
        },
      ]);
      const text = await send(server.port, "POST", "/api/v1/queue/put", '{"ok":1}', {
        "content-type": "text/plain",
      });
      expect(JSON.parse(text.text)).toEqual({
        detail: 'a JSON body needs content-type: application/json (charset utf-8 or none); got "text/plain"',
      });
      expect(text.headers["x-error-code"]).toBe("UNSUPPORTED_MEDIA_TYPE");
    });

    it(`${RUNS} random requests: never a 5xx, and a 4xx changes nothing`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requestFor(routes), async (request) => {
          const before = await snapshot(queues);
          const response = await send(
            server.port,
            request.method,
            request.path,
            request.body,
            request.headers,
          );
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, response.text.slice(0, 300)).toBeLessThan(500);
          if (response.status >= 400) {
            const detail = (JSON.parse(response.text) as { detail?: unknown }).detail;
            expect(detail === undefined || (Array.isArray(detail) && detail.length === 0)).toBe(false);
            expect(await snapshot(queues)).toBe(before);
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      console.log(`${backend.label}: statuses of ${RUNS} fuzzed requests`, Object.fromEntries(statuses));
      // The fuzzer reached past validation: some requests succeeded and several kinds of rejection were seen.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
    }, 600_000);
  });
}
