/**
 * The local Stripe stand-in: the `/v1` API the real `stripe` SDK calls (`new Stripe(key, { host, port, protocol })`),
 * the hosted pages (Checkout, 3-D Secure, the customer portal, invoices and their PDFs), signed webhooks to the app,
 * test clocks, and switches for failures. See README.md for the API and docs/decisions/0043-stripe-stand-in.md for
 * why and what it does not imitate.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Stripe from "stripe";
import { readBody, sendJson } from "../shopify/http";
import { createApi } from "./api";
import { advanceTime } from "./billing";
import type { Account, Ctx, DunningSettings } from "./context";
import { StripeApiError, apiError, invalidRequest, rateLimited } from "./errors";
import { Params, parseForm, type FormObject } from "./form";
import { createHosted } from "./hosted";
import { newId } from "./ids";
import { IdempotencyKeys } from "./limits";
import { Store } from "./store";
import { CHECKOUT_PATH, eventView, viewById } from "./views";
import { DEFAULT_RETRY_DELAYS_MS, WebhookDispatcher, type SignOptions, type WebhookTarget } from "./webhooks";

export interface StripeStandInOptions {
  port?: number;
  /** The secret keys it accepts; default: any `sk_test_…` or `rk_test_…` key. Live keys are always refused. */
  apiKeys?: string[];
  /** Where to POST signed events, and the `whsec_…` secret to sign them with. */
  webhook?: WebhookTarget;
  /** Milliseconds before each retry of an event the app did not take (default: three retries, minutes read as ms). */
  webhookRetryDelaysMs?: number[];
  /** The stand-in's clock (ms) for objects without a test clock, idempotency expiry and outages. Default Date.now. */
  clock?: () => number;
  /** One line per API request and webhook attempt. */
  log?: (line: string) => void;
  /** The Stripe account shown on pages and invoices. */
  account?: Partial<Account>;
  /** Failed-payment settings (retry schedule; what happens after the last retry). */
  dunning?: Partial<DunningSettings>;
  /** `api_version` of events (the webhook endpoint's version). Default: the version the SDK pins. */
  apiVersion?: string;
}

export type FaultStatus = 429 | 500 | 502 | 503 | 504;

export interface FaultOptions {
  status?: FaultStatus;
  /** Sends `Stripe-Should-Retry: true|false` (the SDK obeys it before its own rules). Default: no header. */
  shouldRetry?: boolean;
}

export const DEFAULT_ACCOUNT: Account = { id: "acct_1FluxorStandIn00", name: "Fluxor", country: "IE", email: "billing@fluxor.test" };
export const DEFAULT_DUNNING: DunningSettings = {
  retryDays: [3, 5, 7],
  subscriptionAfterFinalFailure: "cancel",
  markInvoiceUncollectible: false,
};

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

const redact = (key: string) =>
  key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(Math.min(20, key.length - 12))}${key.slice(-4)}` : "****";

export interface CheckoutFormInput {
  card?: string;
  expiry?: string;
  cvc?: string;
  email?: string;
  name?: string;
  country?: string;
  postalCode?: string;
  promotionCode?: string;
  businessName?: string;
  taxId?: { type: string; value: string };
  /** What to do on the 3-D Secure page if the card asks for it (default: complete). */
  authenticate?: "complete" | "fail";
}

export async function startStripeStandIn(options: StripeStandInOptions = {}) {
  const clock = options.clock ?? Date.now;
  const apiVersion = options.apiVersion ?? Stripe.API_VERSION;
  const store = new Store();
  let baseUrl = "";
  const ctx: Ctx = {
    store,
    account: { ...DEFAULT_ACCOUNT, ...options.account },
    apiVersion,
    dunning: { ...DEFAULT_DUNNING, ...options.dunning },
    wallSeconds: () => Math.floor(clock() / 1000),
    baseUrl: () => baseUrl,
    outbox: [],
    request: { id: null, idempotencyKey: null },
  };
  const webhooks = new WebhookDispatcher({
    target: options.webhook,
    retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    now: clock,
    log: options.log,
    onDelivered: (eventId) => {
      const event = store.events.find(eventId);
      if (event) event.pendingWebhooks = 0;
    },
  });
  const idempotency = new IdempotencyKeys(clock);

  /** Records the events raised so far and queues them for the webhook. */
  const flush = () => {
    for (const pending of ctx.outbox.splice(0)) {
      const event = store.events.add({
        id: newId("event"),
        type: pending.type,
        created: ctx.wallSeconds(),
        object: pending.object,
        previousAttributes: pending.previous,
        requestId: ctx.request.id,
        idempotencyKey: ctx.request.idempotencyKey,
        pendingWebhooks: webhooks.configured ? 1 : 0,
        apiVersion,
      });
      webhooks.enqueue({ id: event.id, type: event.type, body: JSON.stringify(eventView(event), null, 2) });
    }
  };
  /** Lets the stand-in's own time pass for objects without a test clock (renewals, retries, trial ends). */
  const runDue = () => {
    const saved = ctx.request;
    ctx.request = { id: null, idempotencyKey: null };
    flush();
    advanceTime(ctx, null, ctx.wallSeconds(), flush);
    flush();
    ctx.request = saved;
  };
  const api = createApi(ctx, {
    scheduleAdvance: (clockId) =>
      setImmediate(() => {
        ctx.request = { id: null, idempotencyKey: null };
        api.runAdvance(clockId, flush);
        flush();
        for (const resolve of clockWaiters.splice(0)) resolve();
      }),
  });
  const clockWaiters: (() => void)[] = [];
  const hosted = createHosted(ctx, api, { flush, runDue });

  // Faults, taken by API requests in order (hosted pages never fail).
  const failures: { left: number; status: FaultStatus; shouldRetry?: boolean }[] = [];
  let outage: { until: number; status: FaultStatus; shouldRetry?: boolean } | undefined;
  let dropped = 0;
  const faults = {
    /** The next `count` API requests answer `status` (500 by default) before doing anything. */
    failNext(count: number, opts: FaultOptions = {}): void {
      if (count > 0) failures.push({ left: count, status: opts.status ?? 500, shouldRetry: opts.shouldRetry });
    },
    /** Every API request answers `status` (503 by default) for `ms` on the stand-in's clock. */
    outage(ms: number, opts: FaultOptions = {}): void {
      outage = { until: clock() + ms, status: opts.status ?? 503, shouldRetry: opts.shouldRetry };
    },
    /** The next `count` API requests are carried out, then the connection is dropped without an answer. */
    dropNextResponses(count = 1): void {
      dropped += count;
    },
    clear(): void {
      failures.length = 0;
      outage = undefined;
      dropped = 0;
    },
  };
  const takeFault = (): StripeApiError | undefined => {
    let fault: { status: FaultStatus; shouldRetry?: boolean } | undefined;
    if (outage && clock() < outage.until) fault = outage;
    else {
      const next = failures[0];
      if (next) {
        next.left -= 1;
        if (next.left <= 0) failures.shift();
        fault = next;
      }
    }
    if (!fault) return undefined;
    const headers: Record<string, string> = fault.shouldRetry === undefined ? {} : { "Stripe-Should-Retry": String(fault.shouldRetry) };
    if (fault.status === 429) return rateLimited(headers);
    return apiError(
      fault.status,
      fault.status === 500 ? "An unknown error occurred" : "Stripe is temporarily unavailable. Please try again later.",
      headers,
    );
  };

  const authenticate = (req: IncomingMessage): string => {
    const header = String(req.headers.authorization ?? "").trim();
    let key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    if (basic) key = Buffer.from(basic, "base64").toString("utf8").split(":")[0];
    if (!key) throw new StripeApiError(401, "invalid_request_error", NO_KEY);
    if (key.startsWith("pk_"))
      throw new StripeApiError(
        401,
        "invalid_request_error",
        "This API call cannot be made with a publishable API key. Please use a secret API key.",
      );
    if (!/^(sk|rk)_test_\w+$/.test(key) || (options.apiKeys && !options.apiKeys.includes(key)))
      throw new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${redact(key)}`);
    return key;
  };

  const apiRequest = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = req.method ?? "GET";
    const requestId = newId("request");
    const version = String(req.headers["stripe-version"] ?? "") || apiVersion;
    const idempotencyKey = method === "POST" ? String(req.headers["idempotency-key"] ?? "") || null : null;
    const headers: Record<string, string> = { "Request-Id": requestId, "Stripe-Version": version };
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const answer = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      sendJson(res, status, body, { ...headers, ...extra });
    const fail = (error: StripeApiError) => answer(error.status, error.body(requestId), error.headers);

    const fault = takeFault();
    if (fault) return fail(fault);
    let key: string;
    try {
      key = authenticate(req);
      if (!/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(version)) throw invalidRequest(`Invalid Stripe API version: ${version}`);
    } catch (error) {
      if (error instanceof StripeApiError) return fail(error);
      throw error;
    }
    const raw = await readBody(req);
    const contentType = String(req.headers["content-type"] ?? "");
    if (raw && contentType.includes("json"))
      return fail(
        invalidRequest(
          "Invalid request (check that your POST content type is application/x-www-form-urlencoded). If you have any questions, we can help at https://support.stripe.com/.",
        ),
      );
    let params: FormObject;
    try {
      params = { ...parseForm(url.search.slice(1)), ...parseForm(method === "POST" ? raw : "") };
    } catch (error) {
      if (error instanceof StripeApiError) return fail(error);
      throw error;
    }
    const path = url.pathname.replace(/\/+$/, "");
    runDue();
    if (idempotencyKey) {
      try {
        const check = idempotency.begin(key, idempotencyKey, `${method} ${path}`, params);
        if (check.kind === "replay")
          return answer(check.answer.status, check.answer.body, {
            "Idempotent-Replayed": "true",
            "Original-Request": check.answer.requestId,
          });
      } catch (error) {
        if (error instanceof StripeApiError) return fail(error);
        throw error;
      }
    }
    ctx.request = { id: requestId, idempotencyKey };
    let status = 200;
    let body: unknown;
    try {
      body = api.handle(method, path, new Params(params));
    } catch (error) {
      ctx.outbox.length = 0;
      const known = error instanceof StripeApiError ? error : undefined;
      if (!known) console.error("stripe stand-in:", error);
      const failure = known ?? apiError(500);
      status = failure.status;
      body = failure.body(requestId);
      Object.assign(headers, failure.headers);
    }
    flush();
    ctx.request = { id: null, idempotencyKey: null };
    if (idempotencyKey) {
      if (status === 200 || status === 402 || status >= 500) idempotency.complete(key, idempotencyKey, { status, body, requestId });
      else idempotency.release(key, idempotencyKey);
    }
    if (dropped > 0) {
      dropped -= 1;
      res.socket?.destroy();
      return;
    }
    answer(status, body);
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const isApi = url.pathname.startsWith("/v1/");
    if (options.log) res.on("finish", () => options.log?.(`stripe ${req.method} ${url.pathname} → ${res.statusCode}`));
    const work = isApi
      ? apiRequest(req, res, url)
      : hosted.handle(req, res, url.pathname).then((handled) => {
          if (!handled)
            sendJson(res, 404, {
              error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${url.pathname}).` },
            });
        });
    work.catch((error: unknown) => {
      console.error("stripe stand-in:", error);
      if (!res.headersSent) sendJson(res, 500, apiError(500).body());
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
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const findEvent = (id: string) => {
    const event = store.events.find(id);
    if (!event) throw new Error(`no event ${id}`);
    return { id: event.id, type: event.type, body: JSON.stringify(eventView(event), null, 2) };
  };

  /** POSTs a hosted form as a browser would; answers the status, the redirect and the page. */
  const post = async (path: string, form: Record<string, string>) => {
    const response = await fetch(new URL(path, baseUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      redirect: "manual",
    });
    return { status: response.status, location: response.headers.get("location"), html: await response.text() };
  };

  return {
    /** `STRIPE_API_BASE`: the API's base URL (also the hosted pages'). */
    url: baseUrl,
    /** The options `new Stripe(key, { ...standIn.sdkConfig })` needs to talk to the stand-in. */
    sdkConfig: { host: "127.0.0.1", port, protocol: "http" as const },
    /** Environment for the app and worker: the API base and (when a webhook is set) its secret. */
    env: (secretKey = "sk_test_fluxor_local_stand_in"): Record<string, string> => ({
      STRIPE_API_BASE: baseUrl,
      STRIPE_SECRET_KEY: secretKey,
      ...(webhooks.configured && options.webhook ? { STRIPE_WEBHOOK_SECRET: options.webhook.secret } : {}),
    }),
    apiVersion,
    faults,
    setWebhook: (target: WebhookTarget | undefined) => {
      options.webhook = target;
      webhooks.setTarget(target);
    },
    webhooks: {
      /** Every delivery attempt: `{ eventId, type, attempt, status, at, kind }`. */
      attempts: () => webhooks.attempts(),
      /** Resolves when nothing is queued, in flight or waiting for a retry. */
      idle: () => webhooks.idle(),
      /** Keeps the next events back until `release`. */
      hold: () => webhooks.hold(),
      /** Sends the held events (shuffled with `{ shuffle: true }`); answers their ids in the order sent. */
      release: (opts?: { shuffle?: boolean }) => webhooks.release(opts),
      /** The next `count` events are delivered twice. */
      duplicateNext: (count = 1) => webhooks.duplicateNext(count),
      /** Sends an event again now (once, no retries); with `secret` or `timestamp`, a forged or stale one. */
      replay: (eventId: string, opts?: SignOptions) => webhooks.replay(findEvent(eventId), opts),
      /** The body and `Stripe-Signature` header an event would be sent with. */
      signed: (eventId: string, opts?: SignOptions) => {
        const event = findEvent(eventId);
        return { body: event.body, headers: webhooks.headers(event, opts) };
      },
    },
    /** Every event, oldest first, as `GET /v1/events/:id` shows it. */
    events: () => store.events.all().map((event) => eventView(event)),
    /** Any object by id (`cus_`, `sub_`, `in_`, `cs_`, `pm_`, `price_`, …), as the API shows it. */
    get: (id: string) => viewById(ctx, id),
    /** Lets the stand-in's clock catch up: renewals, retries and trial ends due by now (each API request does this too). */
    runDue,
    /** Resolves when every test clock has finished advancing. */
    clocksReady: () =>
      store.testClocks.all().some((c) => c.status === "advancing")
        ? new Promise<void>((resolve) => clockWaiters.push(resolve))
        : Promise.resolve(),
    checkout: {
      /**
       * Fills in and submits the hosted Checkout page over HTTP, as a browser would (and the 3-D Secure page if the
       * card asks for it). Answers where Checkout sent the browser (`success_url`…) or, on failure, the error shown.
       */
      async complete(
        sessionId: string,
        input: CheckoutFormInput = {},
      ): Promise<{ status: number; location: string | null; error: string | null }> {
        const path = `${CHECKOUT_PATH}/${sessionId}`;
        if (input.promotionCode) {
          const applied = await post(path, { action: "apply_promo", promotionCode: input.promotionCode });
          if (applied.status !== 303) return { status: applied.status, location: null, error: errorText(applied.html) };
        }
        const form: Record<string, string> = {
          action: "pay",
          email: input.email ?? "merchant@example.com",
          billingName: input.name ?? "Test Merchant",
          billingCountry: input.country ?? "US",
          billingPostalCode: input.postalCode ?? "10001",
        };
        if (input.card !== "") {
          form.cardNumber = input.card ?? "4242 4242 4242 4242";
          form.cardExpiry = input.expiry ?? "12 / 34";
          form.cardCvc = input.cvc ?? "123";
        }
        if (input.businessName) form.businessName = input.businessName;
        if (input.taxId) Object.assign(form, { taxIdType: input.taxId.type, taxIdValue: input.taxId.value });
        let result = await post(path, form);
        if (result.status === 303 && result.location?.endsWith("/3ds"))
          result = await post(result.location, { result: input.authenticate ?? "complete" });
        return { status: result.status, location: result.location, error: result.status === 303 ? null : errorText(result.html) };
      },
    },
    /** Submits a hosted form (Checkout, the portal, an invoice page) the way a browser would. */
    submitForm: post,
    close: () =>
      new Promise<void>((resolve) => {
        webhooks.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const errorText = (html: string) =>
  /data-testid="error">([^<]*)</.exec(html)?.[1]?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))) ?? null;

export type StripeStandIn = Awaited<ReturnType<typeof startStripeStandIn>>;
