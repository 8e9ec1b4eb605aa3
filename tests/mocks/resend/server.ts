/**
 * The local Resend stand-in: the HTTP API the `resend` SDK calls (`RESEND_BASE_URL`), webhooks to the app, and the
 * inbox page. See README.md for the API and docs/decisions/0040-resend-stand-in.md for why.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { readBody, sendHtml, sendJson } from "../shopify/http";
import { DomainBook, domainId, type DomainSeed } from "./domains";
import { ApiError, notFound, rateLimitMessage } from "./errors";
import { INBOX_PATH, renderInbox } from "./inbox";
import { IdempotencyKeys, RateLimiter, requestFingerprint } from "./limits";
import {
  automaticEvents,
  emailView,
  eventPayload,
  inboxView,
  isEmailEventType,
  recordEvent,
  type EmailEventType,
  type EventDetails,
  type StoredMessage,
} from "./messages";
import { addressOf, domainOf, parseEmail, type EmailInput } from "./validation";
import {
  DEFAULT_RETRY_DELAYS_MS,
  WebhookDispatcher,
  type EventDelivery,
  type SignOptions,
  type SignedEvent,
  type WebhookTarget,
} from "./webhooks";

export interface ResendStandInOptions {
  port?: number;
  /** The API keys it accepts; default: any key that starts with `re_`. */
  apiKeys?: string[];
  /** Where to POST signed events, and the `whsec_…` secret to sign them with. */
  webhook?: WebhookTarget;
  /** Milliseconds before each retry of a webhook the app did not take (default: Svix's schedule, seconds read as ms). */
  webhookRetryDelaysMs?: number[];
  /** Requests per second per API key (Resend's default: 2); false = no limit. */
  rateLimit?: { perSecond: number } | false;
  /** The account's sending domains; default `fluxor.test`, verified. */
  domains?: DomainSeed[];
  /** The stand-in's clock (ms): rate-limit windows, idempotency expiry, outages, timestamps. Default Date.now. */
  clock?: () => number;
  /** One line per API request. */
  log?: (line: string) => void;
}

export type FaultStatus = 429 | 500 | 502 | 503 | 504;
export type DeliverEventOptions = SignOptions & EventDetails;

export const DEFAULT_DOMAINS: DomainSeed[] = [{ name: "fluxor.test", status: "verified" }];
const MAX_BATCH = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Answer {
  status: number;
  body: unknown;
  /** Whether it sent email (a lost-response fault only applies then). */
  sent: boolean;
}

interface Gate {
  reached(): void;
  released: Promise<void>;
}

const invalid = (message: string, status = 422) => new ApiError(status, "validation_error", message);

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid("The request body is not valid JSON.", 400);
  }
}

export async function startResendStandIn(options: ResendStandInOptions = {}) {
  const clock = options.clock ?? Date.now;
  const iso = (ms = clock()) => new Date(ms).toISOString();
  const perSecond = options.rateLimit === false ? 0 : (options.rateLimit?.perSecond ?? 2);
  const limiter = perSecond > 0 ? new RateLimiter(perSecond, clock) : undefined;
  const idempotency = new IdempotencyKeys(clock);
  const domains = new DomainBook(options.domains ?? DEFAULT_DOMAINS, clock);
  const webhooks = new WebhookDispatcher({
    target: options.webhook,
    retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    now: clock,
    log: options.log,
  });
  const messages: StoredMessage[] = [];
  const byId = new Map<string, StoredMessage>();

  // Faults, taken by API requests in order (the inbox never fails).
  const failures: { status: FaultStatus; left: number }[] = [];
  let outageUntil = 0;
  let lostResponses = 0;
  let gate: Gate | undefined;
  const faults = {
    /** The next `count` API requests answer `status` (before authentication, as a failing gateway or server would). */
    failNext(count: number, status: FaultStatus = 500): void {
      if (count > 0) failures.push({ status, left: count });
    },
    /** Every API request answers 503 for `ms` on the stand-in's clock. */
    outage(ms: number): void {
      outageUntil = clock() + ms;
    },
    /** The next `count` requests that send email do send it, then drop the connection without an answer. */
    loseNextResponses(count = 1): void {
      lostResponses += count;
    },
    /**
     * The next request that would send email stops after reserving its idempotency key until `release()`;
     * `reached` resolves when it gets there (for `concurrent_idempotent_requests`).
     */
    hold(): { reached: Promise<void>; release: () => void } {
      let release = () => {};
      let reached = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (reached = resolve));
      gate = { reached, released };
      return { reached: arrived, release };
    },
    clear(): void {
      failures.length = 0;
      outageUntil = 0;
      lostResponses = 0;
      gate = undefined;
    },
  };
  const takeFault = (): FaultStatus | undefined => {
    if (clock() < outageUntil) return 503;
    const next = failures[0];
    if (!next) return undefined;
    next.left -= 1;
    if (next.left <= 0) failures.shift();
    return next.status;
  };
  const passGate = async () => {
    const current = gate;
    if (!current) return;
    gate = undefined;
    current.reached();
    await current.released;
  };

  const sendFault = (res: ServerResponse, status: FaultStatus) => {
    if (status === 429)
      return sendJson(res, 429, new ApiError(429, "rate_limit_exceeded", rateLimitMessage(perSecond || 2)).body(), {
        "ratelimit-limit": String(perSecond || 2),
        "ratelimit-remaining": "0",
        "ratelimit-reset": "1",
        "retry-after": "1",
      });
    if (status === 500) return sendJson(res, 500, new ApiError(500, "internal_server_error", "An unexpected error occurred.").body());
    // A gateway in front of the API answers for it: not JSON (the SDK reports `application_error` with the status).
    const text = `${status} ${status === 502 ? "Bad Gateway" : status === 503 ? "Service Temporarily Unavailable" : "Gateway Timeout"}`;
    return sendHtml(res, status, `<html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`);
  };

  const authenticate = (header: string | undefined): string => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
    if (!header?.trim() || /^Bearer\s*$/i.test(header.trim()))
      throw new ApiError(
        401,
        "missing_api_key",
        "Missing API key in the authorization header. Include the following header 'Authorization: Bearer YOUR_API_KEY' in the request.",
      );
    if (!token?.startsWith("re_") || (options.apiKeys && !options.apiKeys.includes(token)))
      throw new ApiError(403, "invalid_api_key", "API key is invalid");
    return token;
  };

  const checkSender = (email: EmailInput) => {
    const domain = domainOf(addressOf(email.from) ?? email.from);
    if (!domains.canSendFrom(domain))
      throw new ApiError(
        403,
        "validation_error",
        `The ${domain} domain is not verified. Please, add and verify your domain on https://resend.com/domains`,
      );
  };

  const accept = (email: EmailInput, idempotencyKey: string | null, batch: boolean): StoredMessage => {
    const id = randomUUID();
    const at = iso();
    const message: StoredMessage = {
      ...email,
      id,
      message_id: `<${id}@email.resend.local>`,
      created_at: at,
      last_event: "queued",
      events: [],
      idempotency_key: idempotencyKey,
      batch,
    };
    messages.push(message);
    byId.set(id, message);
    const types = automaticEvents(message);
    for (const type of types) recordEvent(message, type, at);
    webhooks.emitInOrder(types.map((type) => eventPayload(type, message, at)));
    return message;
  };

  /** Runs `send` once per idempotency key (Resend keeps a key 24 h, and only for requests that sent email). */
  const idempotent = async (
    req: IncomingMessage,
    scope: string,
    path: string,
    body: unknown,
    send: (key: string | null) => { status: number; body: unknown },
  ): Promise<Answer> => {
    const header = req.headers["idempotency-key"];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined) {
      await passGate();
      return { ...send(null), sent: true };
    }
    if (key.length < 1 || key.length > 256) throw new ApiError(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
    const check = idempotency.begin(scope, key, requestFingerprint(path, body));
    if (check.kind === "replay") return { status: check.status, body: check.body, sent: false };
    if (check.kind === "mismatch")
      throw new ApiError(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
    if (check.kind === "in-progress")
      throw new ApiError(409, "concurrent_idempotent_requests", "Same idempotency key used while original request is still in progress.");
    try {
      await passGate();
      const answer = send(key);
      idempotency.complete(scope, key, answer.status, answer.body);
      return { ...answer, sent: true };
    } catch (error) {
      idempotency.release(scope, key);
      throw error;
    }
  };

  const sendEmail = async (req: IncomingMessage, apiKey: string): Promise<Answer> => {
    const body = parseJson(await readBody(req, 41_000_000));
    const email = parseEmail(body, "emails");
    checkSender(email);
    return idempotent(req, apiKey, "/emails", body, (key) => ({ status: 200, body: { id: accept(email, key, false).id } }));
  };

  const sendBatch = async (req: IncomingMessage, apiKey: string): Promise<Answer> => {
    const body = parseJson(await readBody(req, 41_000_000));
    if (!Array.isArray(body)) throw invalid("The request body must be an array of emails.");
    if (body.length === 0) throw invalid("The batch must contain at least one email.");
    if (body.length > MAX_BATCH) throw invalid(`Too many emails in the batch: the maximum is ${MAX_BATCH}.`);
    const mode = req.headers["x-batch-validation"] ?? "strict";
    if (mode !== "strict" && mode !== "permissive")
      throw invalid("Invalid `x-batch-validation` header: expected `strict` or `permissive`.");
    const valid: EmailInput[] = [];
    const errors: { index: number; message: string }[] = [];
    body.forEach((entry: unknown, index) => {
      try {
        const email = parseEmail(entry, "batch");
        checkSender(email);
        valid.push(email);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (mode === "strict") throw new ApiError(error.status, error.errorName, `emails[${index}]: ${error.message}`);
        errors.push({ index, message: error.message });
      }
    });
    return idempotent(req, apiKey, "/emails/batch", body, (key) => {
      const data = valid.map((email) => ({ id: accept(email, key, true).id }));
      return { status: 200, body: mode === "permissive" ? { data, errors } : { data } };
    });
  };

  const endpoint = async (req: IncomingMessage, path: string, apiKey: string): Promise<Answer> => {
    const method = req.method ?? "GET";
    const read = (body: unknown): Answer => ({ status: 200, body, sent: false });
    const only = (allowed: string) => {
      if (method !== allowed)
        throw new ApiError(
          405,
          "method_not_allowed",
          `${method} ${path} is not imitated by the local Resend stand-in (tests/mocks/resend/README.md).`,
        );
    };
    if (path === "/emails") {
      only("POST");
      return sendEmail(req, apiKey);
    }
    if (path === "/emails/batch") {
      only("POST");
      return sendBatch(req, apiKey);
    }
    if (path === "/domains") {
      only("GET");
      return read({ object: "list", has_more: false, data: domains.list() });
    }
    const email = /^\/emails\/([^/]+)$/.exec(path)?.[1];
    if (email !== undefined) {
      only("GET");
      if (!UUID.test(email)) throw new ApiError(422, "invalid_parameter", "The `id` must be a valid UUID.");
      const message = byId.get(email);
      if (!message) throw notFound("Email");
      return read(emailView(message));
    }
    const domain = /^\/domains\/([^/]+)$/.exec(path)?.[1];
    if (domain !== undefined) {
      only("GET");
      const found = domains.get(domain);
      if (!found) throw notFound("Domain");
      return read(found);
    }
    throw new ApiError(404, "not_found", "The requested endpoint does not exist.");
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const fault = takeFault();
    if (fault) return sendFault(res, fault);
    const headers: Record<string, string> = {};
    try {
      const apiKey = authenticate(req.headers.authorization);
      if (limiter) {
        const decision = limiter.take(apiKey);
        Object.assign(headers, decision.headers);
        if (!decision.allowed) throw new ApiError(429, "rate_limit_exceeded", rateLimitMessage(perSecond));
      }
      const answer = await endpoint(req, path, apiKey);
      if (answer.sent && lostResponses > 0) {
        lostResponses -= 1;
        req.socket.destroy();
        return;
      }
      sendJson(res, answer.status, answer.body, headers);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      sendJson(res, error.status, error.body(), headers);
    }
  };

  const deliverEvent = async (messageId: string, type: EmailEventType, opts: DeliverEventOptions = {}): Promise<EventDelivery> => {
    const message = byId.get(messageId);
    if (!message) throw new Error(`the Resend stand-in has no email ${messageId}`);
    const at = iso(opts.timestamp?.getTime());
    const payload = eventPayload(type, message, at, opts);
    if (opts.secret === undefined && opts.timestamp === undefined && opts.webhookId === undefined) {
      recordEvent(message, type, at);
      return webhooks.emit(payload);
    }
    return webhooks.send(webhooks.sign(payload, opts));
  };

  const inbox = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname.slice(INBOX_PATH.length).replace(/\/$/, "");
    const method = req.method ?? "GET";
    const newestFirst = () => [...messages].reverse();
    if (path === "" && method === "GET")
      return sendHtml(res, 200, renderInbox(newestFirst(), byId.get(url.searchParams.get("id") ?? ""), iso().slice(0, 10)));
    if (path === "/api/messages" && method === "GET") {
      const to = url.searchParams.get("to")?.toLowerCase();
      const limit = Number.parseInt(url.searchParams.get("limit") ?? "", 10);
      const chosen = newestFirst().filter((message) => !to || message.to.some((entry) => addressOf(entry)?.toLowerCase() === to));
      return sendJson(res, 200, { messages: chosen.slice(0, Number.isNaN(limit) ? undefined : limit).map(inboxView) });
    }
    if (path === "/api/faults" && method === "POST") {
      const body = parseJson((await readBody(req)) || "{}") as {
        failNext?: { count?: number; status?: FaultStatus };
        outageMs?: number;
        clear?: boolean;
      };
      if (body.clear) faults.clear();
      if (body.failNext) faults.failNext(body.failNext.count ?? 1, body.failNext.status ?? 500);
      if (body.outageMs) faults.outage(body.outageMs);
      res.writeHead(204).end();
      return;
    }
    const html = /^\/messages\/([^/]+)\/html$/.exec(path)?.[1];
    if (html !== undefined && method === "GET") {
      const message = byId.get(html);
      if (!message?.html) return sendHtml(res, 404, "<p>No such email, or it has no HTML part.</p>");
      return sendHtml(res, 200, message.html, { "Content-Security-Policy": "script-src 'none'; object-src 'none'" });
    }
    const event = /^(\/api)?\/messages\/([^/]+)\/events$/.exec(path);
    if (event?.[2] !== undefined && method === "POST") {
      const raw = await readBody(req);
      const json = event[1] !== undefined;
      const fields = (json ? parseJson(raw || "{}") : Object.fromEntries(new URLSearchParams(raw))) as { type?: unknown } & EventDetails;
      if (!byId.has(event[2])) return sendJson(res, 404, notFound("Email").body());
      if (!isEmailEventType(fields.type)) return sendJson(res, 400, invalid(`Unknown event type: ${String(fields.type)}`, 400).body());
      const delivery = await deliverEvent(event[2], fields.type, json ? { bounce: fields.bounce, click: fields.click } : {});
      if (json) return sendJson(res, 200, { webhookId: delivery.webhookId, status: delivery.status });
      res.writeHead(303, { Location: `${INBOX_PATH}?id=${event[2]}` }).end();
      return;
    }
    return sendHtml(res, 404, "<p>Not found.</p>");
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const isInbox = url.pathname === INBOX_PATH || url.pathname.startsWith(`${INBOX_PATH}/`);
    if (options.log && !isInbox) res.on("finish", () => options.log?.(`resend ${req.method} ${url.pathname} → ${res.statusCode}`));
    const path = url.pathname.replace(/\/+$/, "") || "/";
    (isInbox ? inbox(req, res, url) : api(req, res, path)).catch((error: unknown) => {
      if (error instanceof ApiError) return sendJson(res, error.status, error.body());
      console.error("resend stand-in:", error);
      if (!res.headersSent) sendJson(res, 500, new ApiError(500, "internal_server_error", "An unexpected error occurred.").body());
      else res.end();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** The API's base URL: `RESEND_BASE_URL`, or `new Resend(key, { baseUrl })`. */
    url,
    inboxUrl: `${url}${INBOX_PATH}`,
    /** Every accepted email, oldest first. */
    messages: (): readonly StoredMessage[] => [...messages],
    message: (id: string): StoredMessage | undefined => byId.get(id),
    faults,
    /**
     * Makes Resend report `type` for the email: records it (`last_event`, the inbox) and delivers a signed webhook,
     * retried like the automatic ones; resolves with the first attempt. With `secret`, `timestamp` or `webhookId`
     * it is a forged, stale or duplicate webhook instead: sent once, and the email's state does not change.
     */
    deliverEvent,
    setWebhook: (target: WebhookTarget | undefined) => webhooks.setTarget(target),
    webhooks: {
      attempts: () => webhooks.attempts(),
      /** Resolves when no webhook is in flight or waiting for a retry. */
      idle: () => webhooks.idle(),
      /** Sends an earlier delivery again, byte for byte (same id, timestamp, signature and body). */
      replay: (event: SignedEvent) => webhooks.send(event),
    },
    domains: {
      list: () => domains.list(),
      /** Adds a sending domain or changes its records' statuses (`{ name, status?, records? }`). */
      set: (seed: DomainSeed) => domains.set(seed),
      idOf: domainId,
    },
    close: () =>
      new Promise<void>((resolve) => {
        webhooks.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export type ResendStandIn = Awaited<ReturnType<typeof startResendStandIn>>;
