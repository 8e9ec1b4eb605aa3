/**
 * Fluxor's HTTP edge in front of Remix (issue 16 items 7 and 8, docs/decisions/0049-edge-headers-and-limits.md):
 *
 * - Request bodies are read here, before any route code runs, within a limit per route family: refused with 413 by
 *   their Content-Length before a byte is read, or as soon as a chunked body passes the limit (reading stops and the
 *   connection is closed). Remix's Express adapter hands routes the raw request stream instead, so an unauthenticated
 *   8 MiB POST to /auth/login used to be read and parsed in full.
 * - Every cookie a response sets is HttpOnly: the Shopify library sets its OAuth state cookie without it, and no
 *   script of Fluxor reads a cookie.
 *
 * This replaces @remix-run/express's `createRequestHandler`, which cannot be handed a body that was already read; the
 * Request it builds (URL from the trusted host and protocol, headers, abort signal on a closed connection) is the same.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from "express";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Forms and API calls of the merchant pages and the operator console: kilobytes; a megabyte leaves room. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;
/** Unauthenticated forms (the login form, OAuth, email one-click links, the operator sign-in) carry a few fields. */
export const UNAUTHENTICATED_BODY_LIMIT = 64 * KiB;

/** Deliveries to a webhook route, read by webhook-dispatch.server.ts: Shopify caps its payloads well below this. */
export const WEBHOOK_BODY_LIMIT = 5 * MiB;

/** The competitor price upload (app/routes/app.signals.competitors.tsx): a CSV of up to 10 MB in a multipart form. */
export const UPLOAD_BODY_LIMIT = 10 * MiB + 64 * KiB;
const UPLOAD_PATHS = ["/app/signals/competitors"];

const UNAUTHENTICATED_PREFIXES = ["/auth", "/email", "/ops/login"];

/**
 * The largest body a request to `pathname` may carry. Deliveries to the webhook routes are read, with the same reader
 * and WEBHOOK_BODY_LIMIT, by webhook-dispatch.server.ts, which runs before the rest of the edge.
 */
export function bodyLimitFor(pathname: string): number {
  const under = (prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);
  if (UPLOAD_PATHS.includes(pathname)) return UPLOAD_BODY_LIMIT;
  return UNAUTHENTICATED_PREFIXES.some(under) ? UNAUTHENTICATED_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}

function declaresBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

export type BodyRead = { body: Uint8Array<ArrayBuffer> } | "too large" | "gone";

/**
 * The one way a request body is read: the whole body; "too large" once it passes `limit` (refused by its
 * Content-Length before a byte is read, or the moment a chunked body passes it: then reading stops); "gone" when the
 * client went away.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve("too large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (read: BodyRead) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      finish("too large");
    };
    const onEnd = () => {
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.length;
      }
      finish({ body });
    };
    // A request stream only fails when the connection is lost mid-body: nobody is left to answer.
    const onError = () => finish("gone");
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

const bodies = new WeakMap<IncomingMessage, Uint8Array<ArrayBuffer>>();

/** Reads every request's body within its limit, or answers 413 and closes the connection. */
export function limitRequestBodies(): RequestHandler {
  return (req, res, next) => {
    if (!declaresBody(req)) return next();
    const limit = bodyLimitFor(req.path);
    void readBody(req, limit).then((read) => {
      if (refuseUnread(req, res, read, limit)) return;
      bodies.set(req, read.body);
      next();
    });
  };
}

/** Answers a body that was not read (413, or nothing when the client is gone); true when it did. */
export function refuseUnread(req: IncomingMessage, res: ExpressResponse, read: BodyRead, limit: number): read is "too large" | "gone" {
  if (read === "gone") {
    req.socket.destroy();
    return true;
  }
  if (read === "too large") {
    // Without Connection: close Node would keep reading (and discarding) the rest to reuse the connection.
    res.status(413).set({ Connection: "close", "Content-Type": "text/plain; charset=utf-8" }).end(`Request body over ${limit} bytes`);
    return true;
  }
  return false;
}

/** `Set-Cookie` values with `HttpOnly` added where it is missing. */
export function httpOnlyCookie(setCookie: string): string {
  return /;\s*httponly\s*(;|$)/i.test(setCookie) ? setCookie : `${setCookie.replace(/;\s*$/, "")}; HttpOnly`;
}

function remixRequest(req: ExpressRequest, res: ExpressResponse): Request {
  // As @remix-run/express: the port from X-Forwarded-Host or Host; the host and protocol as "trust proxy" allows.
  const portOf = (host: string | undefined) => Number.parseInt(host?.split(":")[1] ?? "", 10);
  const port = [portOf(req.get("X-Forwarded-Host")), portOf(req.get("host"))].find((candidate) => Number.isSafeInteger(candidate));
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
  const headers = new Headers();
  for (const [name, values] of Object.entries(req.headers)) {
    for (const value of Array.isArray(values) ? values : values === undefined ? [] : [values]) headers.append(name, value);
  }
  // Abort the loaders and actions once the answer can no longer be written.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : (bodies.get(req) ?? null);
  return new Request(url, { method: req.method, headers, signal: controller.signal, body });
}

async function sendResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers) {
    res.append(name, name.toLowerCase() === "set-cookie" ? httpOnlyCookie(value) : value);
  }
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (response.body) await writeBody(res, response.body);
  else res.end();
}

/**
 * Streams a response body with backpressure: a slow client holds the producer (a CSV export's cursor) instead of the
 * whole body piling up in memory, and a client that goes away cancels it (the export's connection is released).
 * A body that fails after the headers went out ends the connection without the closing chunk: what was written
 * (a CSV's "EXPORT INCOMPLETE" last row) still reaches the client, which sees a truncated response, never a whole one.
 * Handing the error to Express instead would destroy the socket and drop the bytes not yet flushed.
 */
export async function writeBody(res: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  const gone = new Promise<"gone">((resolve) => res.once("close", () => resolve("gone")));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (res.destroyed) return void (await reader.cancel());
      if (!res.write(value) && (await Promise.race([once(res, "drain"), gone])) === "gone") return void (await reader.cancel());
    }
    res.end();
  } catch (error) {
    console.error(error);
    if (res.headersSent) res.socket?.end();
    else res.writeHead(500, { "Content-Type": "text/plain" }).end("Unexpected Server Error");
  }
}

export function remixHandler(options: {
  build: ServerBuild;
  mode: string | undefined;
  getLoadContext: (req: ExpressRequest) => AppLoadContext;
}): RequestHandler {
  const handle = createRequestHandler(options.build, options.mode);
  return (req, res, next) => {
    handle(remixRequest(req, res), options.getLoadContext(req))
      .then((response) => sendResponse(res, response))
      .catch(next);
  };
}
