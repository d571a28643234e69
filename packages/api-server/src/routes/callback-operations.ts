import { z } from "@hono/zod-openapi";
import {
  type CallbackRecord,
  type CallbackSettings,
  hasCallbacks,
  MAX_CALLBACK_LIST,
  MAX_CALLBACK_SECRET_LENGTH,
  MAX_NOTIFY_URL_LENGTH,
  notifyUrlProblem,
  type Queue,
  type QueueWithCallbacks,
} from "@task-queue/queue-core";
import { HttpLayerError, RequestValidationError } from "../http-errors.js";
import { type BodyOptions, readJsonBody } from "../request-body.js";
import { JsonAny } from "../schemas.js";
import { type QueueRoute, queueRoute } from "./queue-route.js";

const CallbackSettingsWire = z
  .object({ url: z.string().nullable(), has_secret: z.boolean() })
  .openapi("CallbackSettings", { description: "The secret is write-only: only whether one is set shows" });

export const CallbackSettingsBody = z
  .strictObject({
    url: z.string().max(MAX_NOTIFY_URL_LENGTH).nullable().optional(),
    secret: z.string().max(MAX_CALLBACK_SECRET_LENGTH).nullable().optional(),
  })
  .openapi("CallbackSettingsBody", {
    description:
      "Omitted fields keep their value; null clears one. The secret signs every callback (HMAC-SHA256).",
  });

export const ResendBody = z
  .strictObject({ ids: z.array(z.string()).min(1).max(MAX_CALLBACK_LIST) })
  .openapi("ResendBody", { description: "Delivery ids to send again" });

const CallbackWire = z
  .object({
    delivery_id: z.string(),
    item_id: z.string(),
    url: z.string(),
    payload: JsonAny,
    status: z.enum(["pending", "failed"]),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    next_attempt_at: z.string().nullable(),
  })
  .openapi("Callback");

const CallbackQuery = z.object({
  status: z.enum(["failed", "pending", "all"]).optional().openapi({
    description: "failed: retries ran out; pending: still being retried; all (default)",
  }),
  limit: z.coerce.number().int().min(1).max(MAX_CALLBACK_LIST).optional(),
});

const ResendWire = z
  .object({ resent: z.array(z.string()), not_found: z.array(z.string()) })
  .openapi("ResendResult");

const notSupported = (): HttpLayerError =>
  new HttpLayerError(404, "CALLBACKS_NOT_SUPPORTED", "this queue's backend delivers no completion callbacks");

function callbackQueue(queue: Queue): QueueWithCallbacks {
  if (!hasCallbacks(queue)) throw notSupported();
  return queue;
}

const settingsToWire = (settings: CallbackSettings) => ({
  url: settings.url,
  has_secret: settings.hasSecret,
});

function callbackToWire(record: CallbackRecord): z.infer<typeof CallbackWire> {
  return {
    delivery_id: record.deliveryId,
    item_id: record.itemId,
    url: record.url,
    payload: record.payload,
    status: record.nextAttemptAt === null ? "failed" : "pending",
    attempts: record.attempts,
    last_error: record.lastError,
    created_at: record.createdAt.toISOString(),
    next_attempt_at: record.nextAttemptAt?.toISOString() ?? null,
  };
}

/**
 * Refuses notify URLs the server would not deliver to (not http/https, too long, a host outside the allow-list)
 * before the queue sees the request, naming each by where it sits in the body.
 */
export function checkNotifyUrls(
  urls: ReadonlyArray<{ loc: Array<string | number>; url: unknown }>,
  allowedHosts: readonly string[],
): void {
  const problems = urls.flatMap(({ loc, url }) => {
    const problem = url === undefined ? null : notifyUrlProblem(url, allowedHosts);
    return problem === null ? [] : [{ loc, msg: `notify_url ${problem}`, type: "value_error" }];
  });
  if (problems.length > 0) throw new RequestValidationError(problems);
}

/** Completion callbacks: the queue's URL and secret, undelivered callbacks, and sending them again. */
export function callbackOperations(bodyOptions: BodyOptions, allowedHosts: readonly string[]): QueueRoute[] {
  return [
    queueRoute({
      operationId: "callbackSettings",
      method: "get",
      path: "callbacks/settings",
      summary: "The queue's default callback URL, and whether a signing secret is set",
      description: "404 when the backend delivers no callbacks (S3).",
      response: { schema: CallbackSettingsWire, description: "The stored settings (never the secret)" },
      errors: [404],
      handle: async ({ queue }) => settingsToWire(await callbackQueue(queue).callbackSettings()),
    }),
    queueRoute({
      operationId: "setCallbackSettings",
      method: "post",
      path: "callbacks/settings",
      summary: "Set the queue's default callback URL and/or signing secret",
      description:
        "Stored with the queue, so every server process addresses and signs callbacks alike. The secret is " +
        "write-only: never returned or logged.",
      body: { component: "CallbackSettingsBody", description: "{url?, secret?}" },
      response: { schema: CallbackSettingsWire, description: "The stored settings (never the secret)" },
      errors: [404, 413, 415],
      handle: async ({ c, queue }) => {
        const target = callbackQueue(queue);
        const body = await readJsonBody(c, CallbackSettingsBody, bodyOptions);
        if (typeof body.url === "string")
          checkNotifyUrls([{ loc: ["body", "url"], url: body.url }], allowedHosts);
        return settingsToWire(await target.setCallbackSettings(body));
      },
    }),
    queueRoute({
      operationId: "callbacks",
      method: "get",
      path: "callbacks",
      summary: "Undelivered completion callbacks, oldest first",
      description: "failed: retries ran out (kept with the last error); pending: still being retried.",
      query: CallbackQuery,
      response: { schema: z.array(CallbackWire), description: "The callbacks" },
      errors: [404],
      handle: async ({ queue, query }) => {
        const records = await callbackQueue(queue).callbacks({
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        });
        return records.map(callbackToWire);
      },
    }),
    queueRoute({
      operationId: "resendCallbacks",
      method: "post",
      path: "callbacks/resend",
      summary: "Send undelivered callbacks again now, with a fresh retry horizon",
      body: { component: "ResendBody", description: "{ids: [delivery id, …]}" },
      response: { schema: ResendWire, description: "Ids made due, and ids not found" },
      errors: [404, 413, 415],
      handle: async ({ c, queue }) => {
        const target = callbackQueue(queue);
        const body = await readJsonBody(c, ResendBody, bodyOptions);
        const result = await target.resendCallbacks(body.ids);
        return { resent: result.resent, not_found: result.notFound };
      },
    }),
  ];
}
