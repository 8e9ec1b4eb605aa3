/**
 * Webhook deliveries go straight to their route's action (docs/decisions/0024-webhook-dispatch.md).
 *
 * The webhook routes are ordinary Remix resource routes (`app/routes/webhooks.*`, action only, no
 * params). Remix's request pipeline re-flattens and ranks the whole route table twice per request and
 * streams the body through a web ReadableStream; at webhook rates that was most of the CPU of a
 * delivery. This handler looks the action up once per path, builds a Request from the buffered body,
 * calls the action with the same load context, and answers with its Response — or with the Response it
 * throws, as Remix does for resource routes. Everything else (pages, data requests, other resources)
 * still goes through Remix's handler.
 */
import type { ActionFunction, AppLoadContext, ServerBuild } from "@remix-run/node";
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from "express";

/** Shopify caps webhook payloads well below this; larger bodies are refused before they are read. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** `/webhooks/orders/create` → the action of `routes/webhooks.orders.create`, for every webhook route. */
export function webhookActions(build: ServerBuild): Map<string, ActionFunction> {
  const actions = new Map<string, ActionFunction>();
  for (const route of Object.values(build.routes)) {
    const { path, module } = route;
    if (!path?.startsWith("webhooks/") || path.includes(":") || path.includes("*")) continue;
    if (!module.action || module.default) continue;
    actions.set(`/${path}`, module.action);
  }
  return actions;
}

export function webhookDispatcher(build: ServerBuild, loadContext: (req: ExpressRequest) => AppLoadContext): RequestHandler {
  const actions = webhookActions(build);
  return (req, res, next) => {
    const action = actions.get(req.path);
    if (!action) return next();
    readBody(req)
      .then(async (body) => {
        if (body === null) return send(res, new Response("Payload too large", { status: 413 }));
        const request = new Request(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`, {
          method: req.method,
          headers: headersOf(req),
          body: body.toString("utf8"),
        });
        let response: unknown;
        try {
          response = await action({ request, params: {}, context: loadContext(req) });
        } catch (thrown) {
          if (!(thrown instanceof Response)) throw thrown;
          response = thrown;
        }
        if (!(response instanceof Response)) throw new Error(`webhook action for ${req.path} did not return a Response`);
        await send(res, response);
      })
      .catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.status(500).type("text/plain").send("Unexpected Server Error");
        else res.destroy();
      });
  };
}

function headersOf(req: ExpressRequest): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The whole body, or null once it exceeds MAX_BODY_BYTES. The route reads it as text (the HMAC is over that text). */
function readBody(req: ExpressRequest): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

async function send(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.append(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}
