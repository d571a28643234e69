import { type AnyQueueError, isQueueError } from "@task-queue/queue-core";

/** One problem with a request, in the shape FastAPI uses for validation errors (deployed clients read it). */
export interface ValidationProblem {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** The request breaks a rule before any queue was touched: 422 with every problem named. */
export class RequestValidationError extends Error {
  readonly problems: ValidationProblem[];
  readonly code: "INVALID_ARGUMENT" | "INVALID_ITEM";
  constructor(problems: ValidationProblem[], code: "INVALID_ARGUMENT" | "INVALID_ITEM" = "INVALID_ARGUMENT") {
    super(problems.map((p) => `${p.loc.join(".")}: ${p.msg}`).join("; "));
    this.name = "RequestValidationError";
    this.problems = problems;
    this.code = code;
  }
}

/** The response header that carries the machine-readable error code next to the (compatible) JSON body. */
export const ERROR_CODE_HEADER = "x-error-code";

export type HttpStatus = 400 | 401 | 404 | 405 | 409 | 413 | 415 | 422 | 500 | 503;

export interface HttpError {
  status: HttpStatus;
  code: string;
  body: Record<string, unknown>;
  /** Whether the failure is ours (log it as an error) rather than the caller's. */
  unexpected: boolean;
}

function fromQueueError(error: AnyQueueError, requestId: string): HttpError {
  switch (error.code) {
    // 400 with the bare message: the contract of the system we replace.
    case "ITEM_NOT_FOUND":
    case "INVALID_STAGE":
      return { status: 400, code: error.code, body: { detail: error.message }, unexpected: false };
    case "INVALID_TRANSITION":
      return {
        status: 409,
        code: error.code,
        body: { detail: error.message, item_id: error.itemId, action: error.action, from: error.from },
        unexpected: false,
      };
    case "LEASE_LOST":
      // The attempt the caller named no longer holds the item: it must stop, its work will be (or was) redone.
      return {
        status: 409,
        code: error.code,
        body: {
          detail: error.message,
          code: error.code,
          item_id: error.itemId,
          attempt: error.attempt,
          current_attempt: error.currentAttempt,
        },
        unexpected: false,
      };
    case "INVALID_ITEM":
      return {
        status: 422,
        code: error.code,
        // loc: the item's id, then the path inside its body when the problem is there (FastAPI's shape).
        body: {
          detail: error.problems.map((p) => ({
            loc: ["body", p.id, ...(p.path ?? [])],
            msg: p.reason,
            type: "value_error",
          })),
        },
        unexpected: false,
      };
    case "INVALID_ARGUMENT":
      return {
        status: 422,
        code: error.code,
        body: { detail: [{ loc: [error.argument], msg: error.message, type: "value_error" }] },
        unexpected: false,
      };
    case "QUEUE_UNAVAILABLE":
      // The backend's message may name hosts; the caller gets the request id, the log gets the rest.
      return {
        status: 503,
        code: error.code,
        body: { detail: "queue storage unavailable", request_id: requestId },
        unexpected: true,
      };
  }
}

/** The one place where errors become HTTP responses. */
export function toHttpError(error: unknown, requestId: string): HttpError {
  if (error instanceof RequestValidationError) {
    return { status: 422, code: error.code, body: { detail: error.problems }, unexpected: false };
  }
  if (isQueueError(error)) return fromQueueError(error, requestId);
  if (error instanceof HttpLayerError) {
    return { status: error.status, code: error.code, body: { detail: error.message }, unexpected: false };
  }
  return {
    status: 500,
    code: "INTERNAL",
    body: { detail: "Internal Server Error", request_id: requestId },
    unexpected: true,
  };
}

/** Errors raised by the HTTP layer itself; each maps to a status in toHttpError like the queue's own errors. */
export class HttpLayerError extends Error {
  readonly status: 401 | 404 | 405 | 413 | 415;
  readonly code: string;
  constructor(status: 401 | 404 | 405 | 413 | 415, code: string, message: string) {
    super(message);
    this.name = "HttpLayerError";
    this.status = status;
    this.code = code;
  }
}

export const unauthorized = (): HttpLayerError =>
  new HttpLayerError(401, "UNAUTHORIZED", "Not authenticated: send Authorization: Bearer <token>");
export const routeNotFound = (): HttpLayerError => new HttpLayerError(404, "NOT_FOUND", "Not Found");
/** A path that exists, asked with another method: FastAPI's 405 and body, as the system we replace answered. */
export const methodNotAllowed = (): HttpLayerError =>
  new HttpLayerError(405, "METHOD_NOT_ALLOWED", "Method Not Allowed");
export const historyNotRecorded = (): HttpLayerError =>
  new HttpLayerError(
    404,
    "HISTORY_NOT_RECORDED",
    "history is not recorded for this queue (events are disabled)",
  );
export const pauseNotStored = (): HttpLayerError =>
  new HttpLayerError(404, "PAUSE_NOT_STORED", "this queue's backend stores no pause flag");
export const payloadTooLarge = (maxBytes: number): HttpLayerError =>
  new HttpLayerError(413, "PAYLOAD_TOO_LARGE", `request body is larger than the limit of ${maxBytes} bytes`);
export const unsupportedMediaType = (sent: string | undefined): HttpLayerError =>
  new HttpLayerError(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `a JSON body needs content-type: application/json (charset utf-8 or none); ${
      sent === undefined ? "none was sent" : `got ${JSON.stringify(sent.slice(0, 100))}`
    }`,
  );
