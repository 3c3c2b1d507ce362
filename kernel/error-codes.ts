// The one error taxonomy: stable codes shared by HTTP responses and socket acks. Pure data,
// so the browser pages import it too.
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  out_of_order: 409,
  conflict: 409,
  taken_over: 409,
  rate_limited: 429,
  /** This node sends the client to another one (its address is in the refusal's data). */
  moved: 307,
  internal: 500,
  store_unavailable: 503,
  media_unavailable: 503,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}
