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
import { readBody, refuseUnread, WEBHOOK_BODY_LIMIT } from "./remix-handler.server";

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
    readBody(req, WEBHOOK_BODY_LIMIT)
      .then(async (read) => {
        if (refuseUnread(req, res, read, WEBHOOK_BODY_LIMIT)) return;
        const request = new Request(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`, {
          method: req.method,
          headers: headersOf(req),
          body: read.body,
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

async function send(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.append(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}
