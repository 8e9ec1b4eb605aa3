/**
 * Resend's error answers: `{ statusCode, name, message }` (https://resend.com/docs/api-reference/errors), the shape
 * the SDK hands back as `{ data: null, error }`.
 */
import type { ErrorResponse } from "resend";

export type ResendErrorName = ErrorResponse["name"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: ResendErrorName,
    message: string,
  ) {
    super(message);
  }

  body(): { statusCode: number; name: ResendErrorName; message: string } {
    return { statusCode: this.status, name: this.errorName, message: this.message };
  }
}

export const rateLimitMessage = (perSecond: number) =>
  `Too many requests. You can only make ${perSecond} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`;

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
