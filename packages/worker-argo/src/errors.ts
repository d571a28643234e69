/** What went wrong talking to the Argo Server; messages never contain the bearer token. */
export class ArgoError extends Error {
  /** The API operation, e.g. "submit workflow". */
  readonly operation: string;
  constructor(operation: string, message: string, options?: { cause?: unknown }) {
    super(`Argo ${operation}: ${message}`, options);
    this.name = new.target.name;
    this.operation = operation;
  }
}

/** Argo answered with an HTTP error; `argoMessage` and `grpcCode` come from its grpc-gateway error body. */
export class ArgoApiError extends ArgoError {
  readonly status: number;
  readonly argoMessage: string;
  readonly grpcCode: number | undefined;
  constructor(operation: string, status: number, argoMessage: string, grpcCode?: number) {
    super(operation, `HTTP ${status}: ${argoMessage}`);
    this.status = status;
    this.argoMessage = argoMessage;
    this.grpcCode = grpcCode;
  }
}

/** No HTTP answer at all (connection refused, TLS failure, timeout) after every retry. */
export class ArgoNetworkError extends ArgoError {}

/** Reads grpc-gateway's `{ code, message }` error body, or falls back to the raw text. */
export function apiErrorFrom(operation: string, status: number, body: unknown): ArgoApiError {
  if (typeof body === "object" && body !== null) {
    const { message, code } = body as { message?: unknown; code?: unknown };
    return new ArgoApiError(
      operation,
      status,
      typeof message === "string" && message !== "" ? message : JSON.stringify(body),
      typeof code === "number" ? code : undefined,
    );
  }
  const text = typeof body === "string" && body !== "" ? body : "(no message)";
  return new ArgoApiError(operation, status, text.slice(0, 2000));
}
