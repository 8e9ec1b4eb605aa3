import { PassThrough } from "node:stream";
import {
  createReadableStreamFromReadable,
  type EntryContext,
  type HandleDataRequestFunction,
  type HandleErrorFunction,
} from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { applyFramePolicy, isEmbeddedPath } from "./auth/frame-policy";
import { sessionTokenShop } from "./auth/session-token";
import { databaseUnavailable } from "./db/unavailable";
import { addDocumentResponseHeaders } from "./shopify.server";

const ABORT_DELAY = 5000;
/** Seconds a client is asked to wait when the database is down: it is back within seconds of a restart. */
const RETRY_AFTER_SECONDS = "5";

/** Requests whose loader or action failed because the database could not be reached (set by handleError). */
const databaseDown = new WeakSet<Request>();

/**
 * Every error a loader or action throws (Remix calls this before it answers). An error that means the database is not
 * there right now marks the request, so that its answer is 503 with Retry-After rather than 500, and is logged as one
 * line: during an outage every request fails the same way. Anything else is logged in full, as Remix does by default.
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  if (databaseUnavailable(error)) {
    databaseDown.add(request);
    console.error(`database unavailable: ${request.method} ${new URL(request.url).pathname} answered 503 (${String(error)})`);
    return;
  }
  console.error(error);
};

/** A data request (client navigation, fetcher) that failed for want of the database: 503 with Retry-After. */
export const handleDataRequest: HandleDataRequestFunction = (response, { request }) => {
  if (response.status !== 500 || !databaseDown.has(request)) return response;
  const headers = new Headers(response.headers);
  headers.set("Retry-After", RETRY_AFTER_SECONDS);
  return new Response(response.body, { status: 503, statusText: "Service Unavailable", headers });
};

/**
 * The shop of the session token this document was requested with, verified with the app's secret as the app's loader
 * verified it (the library renders an embedded document only for a request whose `id_token` it verified); null
 * without a valid one. `?shop=` is never taken on its word.
 */
function verifiedShopOf(request: Request): string | null {
  const token = new URL(request.url).searchParams.get("id_token");
  if (!token) return null;
  return sessionTokenShop(token, { apiKey: process.env.SHOPIFY_API_KEY ?? "", apiSecret: process.env.SHOPIFY_API_SECRET ?? "" });
}

/**
 * Who may frame the document (decision 0049): inside the admin, the admin and the verified shop only (the library's
 * own header, which follows `?shop=`, is replaced; its App Bridge preload link is kept); anywhere else, nobody.
 */
function addFrameHeaders(request: Request, headers: Headers): void {
  if (!isEmbeddedPath(new URL(request.url).pathname)) return applyFramePolicy(headers, { embedded: false });
  addDocumentResponseHeaders(request, headers);
  applyFramePolicy(headers, { embedded: true, verifiedShop: verifiedShopOf(request) });
}

/** Headers every document gets besides the framing ones. */
function addSecurityHeaders(headers: Headers): void {
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (process.env.NODE_ENV === "production") headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addFrameHeaders(request, responseHeaders);
  addSecurityHeaders(responseHeaders);
  if (responseStatusCode === 500 && databaseDown.has(request)) {
    responseStatusCode = 503;
    responseHeaders.set("Retry-After", RETRY_AFTER_SECONDS);
  }
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />, {
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error) {
        reject(error);
      },
      onError(error) {
        responseStatusCode = 500;
        console.error(error);
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
