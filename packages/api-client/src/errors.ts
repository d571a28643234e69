import {
  InvalidArgument,
  InvalidItem,
  InvalidStage,
  InvalidTransition,
  ItemNotFound,
  LeaseLost,
  type QueueAction,
  QueueUnavailable,
} from "@task-queue/queue-core";

/** An error answer that has no queue-core counterpart (401, 404 for a route or disabled history, 413, 500). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

interface Problem {
  loc?: Array<string | number>;
  msg?: string;
}

interface ErrorBody {
  detail?: string | Problem[];
  item_id?: string;
  action?: string;
  from?: string;
  request_id?: string;
  attempt?: number;
  current_attempt?: number;
}

const withoutSuffix = (text: string, suffix: string): string =>
  text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;

/** Turns an error answer back into the queue-core error the server mapped it from (see x-error-code). */
export function errorFromResponse(response: Response, payload: unknown): Error {
  const body: ErrorBody = typeof payload === "object" && payload !== null ? (payload as ErrorBody) : {};
  const code = response.headers.get("x-error-code") ?? "UNKNOWN";
  const detail = body.detail;
  const text = typeof detail === "string" ? detail : "";
  const problems = Array.isArray(detail) ? detail : [];
  switch (code) {
    case "ITEM_NOT_FOUND":
      return new ItemNotFound(withoutSuffix(text, " not in Queue"));
    case "INVALID_STAGE":
      return new InvalidStage(withoutSuffix(text, " not a Queue Item Stage"));
    case "INVALID_TRANSITION":
      return new InvalidTransition(
        body.item_id ?? "",
        (body.action ?? "success") as QueueAction,
        body.from ?? "",
      );
    case "LEASE_LOST":
      return new LeaseLost(
        body.item_id ?? "",
        body.attempt ?? 0,
        body.current_attempt ?? 0,
        /no longer holds it: (.*)$/s.exec(text)?.[1] ?? text,
      );
    case "INVALID_ITEM":
      return new InvalidItem(
        // loc is ["body", id, ...the path inside the item's body].
        problems.map((p) => ({
          id: String(p.loc?.[1] ?? ""),
          reason: p.msg ?? "invalid",
          ...(p.loc !== undefined && p.loc.length > 2 ? { path: p.loc.slice(2) } : {}),
        })),
      );
    case "INVALID_ARGUMENT": {
      const first = problems[0];
      const argument = String(first?.loc?.at(-1) ?? "request");
      return new InvalidArgument(argument, problems.map((p) => p.msg ?? "invalid").join("; ") || text);
    }
    case "QUEUE_UNAVAILABLE":
      return new QueueUnavailable(
        `the server cannot reach its queue storage (request id ${body.request_id ?? "?"})`,
      );
    default: {
      const message = text || problems.map((p) => p.msg).join("; ") || response.statusText;
      return new ApiError(response.status, code, `${response.status} ${message}`, body.request_id ?? null);
    }
  }
}
