/** Stable error codes: the API maps each to an HTTP status in one place. */
export type QueueErrorCode =
  | "ITEM_NOT_FOUND"
  | "INVALID_ITEM"
  | "INVALID_STAGE"
  | "INVALID_TRANSITION"
  | "INVALID_ARGUMENT"
  | "LEASE_LOST"
  | "QUEUE_UNAVAILABLE";

/** The base of every queue error; each subclass fixes its `code`, so a switch on `code` narrows to the class. */
export class QueueError<C extends QueueErrorCode = QueueErrorCode> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ItemNotFound extends QueueError<"ITEM_NOT_FOUND"> {
  readonly itemId: string;
  constructor(itemId: string) {
    super("ITEM_NOT_FOUND", `${itemId} not in Queue`);
    this.itemId = itemId;
  }
}

export interface ItemProblem {
  /** The offending id (as given; may itself be the problem). */
  id: string;
  reason: string;
  /** Where inside the item's body the problem is (keys and indices from its root), when it is in the body. */
  path?: Array<string | number>;
}

/** A batch (or a single id) that breaks the validation rules; lists every problem, and nothing was written. */
export class InvalidItem extends QueueError<"INVALID_ITEM"> {
  readonly problems: ItemProblem[];
  constructor(problems: ItemProblem[]) {
    const shown = problems
      .slice(0, 20)
      .map((p) => `${JSON.stringify(p.id)}: ${p.reason}`)
      .join("; ");
    const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : "";
    super("INVALID_ITEM", `invalid item${problems.length === 1 ? "" : "s"}: ${shown}${more}`);
    this.problems = problems;
  }
}

export class InvalidStage extends QueueError<"INVALID_STAGE"> {
  readonly stage: string;
  constructor(stage: string) {
    super("INVALID_STAGE", `${stage} not a Queue Item Stage`);
    this.stage = stage;
  }
}

export type QueueAction = "success" | "fail" | "requeue" | "get" | "extend" | "cancel" | "delete";

/** The stage(s) an action starts from, for messages. */
const NEEDED: Record<QueueAction, string> = {
  success: "PROCESSING",
  fail: "PROCESSING",
  extend: "PROCESSING",
  requeue: "FAIL",
  get: "WAITING",
  cancel: "WAITING or PROCESSING",
  delete: "WAITING, SUCCESS or FAIL",
};

export class InvalidTransition extends QueueError<"INVALID_TRANSITION"> {
  readonly itemId: string;
  readonly action: QueueAction;
  /** Name of the stage the item is in. */
  readonly from: string;
  constructor(itemId: string, action: QueueAction, from: string) {
    super(
      "INVALID_TRANSITION",
      `cannot ${action} item ${JSON.stringify(itemId)}: it is in ${from}, not ${NEEDED[action]}`,
    );
    this.itemId = itemId;
    this.action = action;
    this.from = from;
  }
}

/** A bad argument that is not an item: n out of range, a bad page limit or cursor, a bad queue name. */
export class InvalidArgument extends QueueError<"INVALID_ARGUMENT"> {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super("INVALID_ARGUMENT", `${argument}: ${message}`);
    this.argument = argument;
  }
}

/**
 * A success, fail or extend that named an attempt which is no longer current: its lease expired, or the item was
 * handed out again or put back in WAITING since. Nothing was changed (fencing: a zombie consumer never completes
 * someone else's attempt).
 */
export class LeaseLost extends QueueError<"LEASE_LOST"> {
  readonly itemId: string;
  /** The attempt the caller named. */
  readonly attempt: number;
  /** The item's current attempt count. */
  readonly currentAttempt: number;
  constructor(itemId: string, attempt: number, currentAttempt: number, why: string) {
    super("LEASE_LOST", `attempt ${attempt} of item ${JSON.stringify(itemId)} no longer holds it: ${why}`);
    this.itemId = itemId;
    this.attempt = attempt;
    this.currentAttempt = currentAttempt;
  }
}

/** The storage behind a queue cannot be reached. */
export class QueueUnavailable extends QueueError<"QUEUE_UNAVAILABLE"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("QUEUE_UNAVAILABLE", message, options);
  }
}

const QUEUE_ERROR_CODES: ReadonlySet<string> = new Set<QueueErrorCode>([
  "ITEM_NOT_FOUND",
  "INVALID_ITEM",
  "INVALID_STAGE",
  "INVALID_TRANSITION",
  "INVALID_ARGUMENT",
  "LEASE_LOST",
  "QUEUE_UNAVAILABLE",
]);

/** The error class each code is thrown as, so a narrowed error carries its fields. */
interface QueueErrorByCode {
  ITEM_NOT_FOUND: ItemNotFound;
  INVALID_ITEM: InvalidItem;
  INVALID_STAGE: InvalidStage;
  INVALID_TRANSITION: InvalidTransition;
  INVALID_ARGUMENT: InvalidArgument;
  LEASE_LOST: LeaseLost;
  QUEUE_UNAVAILABLE: QueueUnavailable;
}

/** Any queue error, as a union a `switch` on `code` narrows. */
export type AnyQueueError = QueueErrorByCode[QueueErrorCode];

/**
 * Whether `error` is a queue error (of the given code, when one is named). Recognised by its stable `code`, not by
 * `instanceof` alone: an application that ends up with two copies of this package (a normal version skew between
 * packages) throws errors whose classes are the other copy's, and they must still map to 400/409, never 500.
 */
export function isQueueError(error: unknown): error is AnyQueueError;
export function isQueueError<C extends QueueErrorCode>(error: unknown, code: C): error is QueueErrorByCode[C];
export function isQueueError(error: unknown, code?: QueueErrorCode): boolean {
  if (!(error instanceof Error)) return false;
  const found = (error as { code?: unknown }).code;
  return (
    typeof found === "string" &&
    (error instanceof QueueError || QUEUE_ERROR_CODES.has(found)) &&
    (code === undefined || found === code)
  );
}
