/**
 * Stripe's error answers: `{ error: { type, code?, decline_code?, message, param?, doc_url? } }` with the HTTP status
 * the SDK turns into its error classes (400/404 StripeInvalidRequestError or StripeIdempotencyError, 401
 * StripeAuthenticationError, 402 StripeCardError, 409 conflict, 429 StripeRateLimitError, 5xx StripeAPIError).
 */
export type ErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";

export interface ErrorDetails {
  code?: string;
  param?: string;
  decline_code?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly details: ErrorDetails = {},
    /** Extra answer headers (`Stripe-Should-Retry`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(requestId?: string): { error: Record<string, string> } {
    const { code, param, decline_code } = this.details;
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (code) {
      error.code = code;
      error.doc_url = `https://docs.stripe.com/error-codes/${code.replace(/_/g, "-")}`;
    }
    if (decline_code) error.decline_code = decline_code;
    if (param) error.param = param;
    if (requestId) error.request_log_url = `https://dashboard.stripe.com/test/logs/${requestId}`;
    return { error };
  }
}

export const invalidRequest = (message: string, param?: string, code?: string, status = 400) =>
  new StripeApiError(status, "invalid_request_error", message, { param, code });

/** `No such customer: 'cus_x'` (404 resource_missing). */
export const resourceMissing = (kind: string, id: string, param = "id") =>
  new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param });

export const parameterMissing = (param: string) => invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");

export const parameterUnknown = (param: string, unimitated = false) =>
  invalidRequest(
    unimitated
      ? `Received unsupported parameter: ${param}. Stripe knows it, but the Fluxor stand-in does not imitate it (tests/mocks/stripe/README.md).`
      : `Received unknown parameter: ${param}`,
    param,
    "parameter_unknown",
  );

export const cardError = (message: string, code: string, declineCode?: string, param?: string) =>
  new StripeApiError(402, "card_error", message, { code, decline_code: declineCode, param });

export const apiError = (status = 500, message = "An unknown error occurred", headers: Record<string, string> = {}) =>
  new StripeApiError(status, "api_error", message, {}, headers);

export const rateLimited = (headers: Record<string, string> = {}) =>
  new StripeApiError(
    429,
    "invalid_request_error",
    "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
    { code: "rate_limit" },
    headers,
  );
