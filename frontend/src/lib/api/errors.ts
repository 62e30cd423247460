/** The one error type of the REST client, and how the gateway's bodies map to it. */

export interface FieldError {
  loc: (string | number)[];
  msg: string;
}

export type ApiErrorKind =
  | "unauthorized" // 401: not logged in, or the session ended
  | "forbidden" // 403: the role is too low
  | "not_found"
  | "conflict" // 409: the engine refuses (stale opportunity, mode, kill switch, risk limit, no execution)
  | "invalid" // 422: a field is wrong (see fieldErrors)
  | "rate_limited" // 429
  | "not_available" // 501, or a route this gateway does not have yet
  | "engine_unavailable" // 503: the gateway is up, the engine is not
  | "gateway_unreachable" // no HTTP answer at all
  | "server"; // 500 and anything else

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function kindOf(status: number, detail: unknown): ApiErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  // FastAPI's answer for a path no router has: the route is not in this gateway yet
  if (status === 404 && detail === "Not Found") return "not_available";
  if (status === 404) return "not_found";
  if (status === 405) return "not_available"; // the path exists, this method not yet
  if (status === 409) return "conflict";
  if (status === 422) return "invalid";
  if (status === 429) return "rate_limited";
  if (status === 501) return "not_available";
  if (status === 503) return "engine_unavailable";
  return "server";
}

/** An ApiError from a non-2xx response (`body` already parsed, or null). */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null): ApiError {
  const detail = body !== null && typeof body === "object" && "detail" in body ? body.detail : body;
  let message: string;
  let fields: FieldError[] = [];
  if (Array.isArray(detail)) {
    fields = detail.filter(
      (d): d is FieldError => d !== null && typeof d === "object" && "loc" in d && "msg" in d,
    );
    message = fields.map((f) => `${f.loc.filter((p) => p !== "query" && p !== "body").join(".")}: ${f.msg}`).join("; ");
  } else if (typeof detail === "string" && detail) {
    message = detail;
  } else {
    message = `HTTP ${status}`;
  }
  const kind = kindOf(status, detail);
  if (kind === "not_available" && (status === 404 || status === 405)) message = "not available yet: this gateway has no such route";
  const retry = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  return new ApiError(kind, status, message, fields, retry);
}

export function isApiError(error: unknown, kind?: ApiErrorKind): error is ApiError {
  return error instanceof ApiError && (kind === undefined || error.kind === kind);
}
