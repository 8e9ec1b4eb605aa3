/**
 * The tools of the route-table suite (tests/integration/route-table.test.ts): HTTP probes sent in moderate
 * parallel to one running app, session tokens forged in the ways an attacker would try, webhook signatures
 * (Shopify's HMAC, Resend's Standard Webhooks, Stripe's `t=…,v1=…`), and checksums of the database to tell
 * whether a request wrote anything.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { signWebhook } from "../mocks/resend/webhooks";
import { signatureHeader } from "../mocks/stripe/webhooks";

/** One request of the suite, named by what it tries (its label is what a failure or a known failure names). */
export interface Probe {
  label: string;
  method: string;
  /** Path and query, from the app's root. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

export interface Answer {
  probe: Probe;
  /** 0 when no HTTP answer came (connection reset, timeout). */
  status: number;
  body: string;
  location: string | null;
  /** A 503's Retry-After: an outage the app declares (a service it depends on cannot be reached), not a crash. */
  retryAfter: string | null;
  /** Why the exchange failed (the connection reset mid-body, a timeout), when it did. */
  error: string | null;
}

/** Requests that stand for the merchant's browser must look like one: the Shopify library answers bots with 410. */
export const BROWSER = {
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
};

const TIMEOUT_MS = 30_000;

export async function send(baseUrl: string, probe: Probe): Promise<Answer> {
  const answer = (status: number, body: string, headers: Headers | null, error: string | null): Answer => ({
    probe,
    status,
    body,
    location: headers?.get("location") ?? null,
    retryAfter: headers?.get("retry-after") ?? null,
    error,
  });
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${probe.path}`, {
      method: probe.method,
      headers: { ...BROWSER, ...probe.headers },
      body: probe.body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return answer(0, "", null, describe(error));
  }
  try {
    return answer(response.status, await response.text(), response.headers, null);
  } catch (error) {
    return answer(response.status, "", response.headers, `the body broke off: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

/** Sends every probe, at most `parallel` at a time, and answers in the probes' order. */
export async function sendAll(baseUrl: string, probes: Probe[], parallel = 6): Promise<Answer[]> {
  const answers: Answer[] = new Array<Answer>(probes.length);
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const index = next++;
      answers[index] = await send(baseUrl, probes[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, probes.length) }, worker));
  return answers;
}

/**
 * A local port that takes every connection and drops it at once: the Shopify, Stripe and Resend the app calls in the
 * suite, none of which can be reached (a port of our own, so that nothing else can start listening on it meanwhile).
 */
export async function startDeadEnd(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("the dead end has no port");
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// ---------------------------------------------------------------------------------------------------------
// Session tokens as an attacker would make them.

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export interface TokenOptions {
  /** Signing secret (default: the app's). */
  secret?: string;
  /** Seconds from now the token expires at (default 60; negative: already expired). */
  expiresIn?: number;
  /** `none`: unsigned, the signature left empty. */
  alg?: "HS256" | "none";
  /** The app the token is for (default: this app's API key). */
  audience?: string;
}

/** An admin session token (App Bridge's `idToken()`) for `shop`, or a forgery of one. */
export function forgeToken(shop: string, options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const alg = options.alg ?? "HS256";
  const head = b64({ alg, typ: "JWT" });
  const body = b64({
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: options.audience ?? process.env.SHOPIFY_API_KEY,
    sub: "42",
    exp: now + (options.expiresIn ?? 60),
    nbf: now - 5,
    iat: now - 5,
    jti: randomUUID(),
    sid: randomUUID(),
  });
  if (alg === "none") return `${head}.${body}.`;
  const signature = createHmac("sha256", options.secret ?? process.env.SHOPIFY_API_SECRET ?? "")
    .update(`${head}.${body}`)
    .digest("base64url");
  return `${head}.${body}.${signature}`;
}

/** The query an embedded document request carries (the admin's iframe URL), for `shop` with `idToken`. */
export function embeddedQuery(shop: string, idToken: string): URLSearchParams {
  const handle = shop.replace(/\.myshopify\.com$/, "");
  return new URLSearchParams({
    embedded: "1",
    host: Buffer.from(`admin.shopify.com/store/${handle}`).toString("base64url"),
    id_token: idToken,
    locale: "en",
    shop,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Webhook signatures.

export function shopifyHmac(body: string | Uint8Array<ArrayBuffer>, secret: string = process.env.SHOPIFY_API_SECRET ?? ""): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

/** Shopify's delivery headers for `topic` from `shop`, signed over `body` (override any of them with `extra`). */
export function shopifyHeaders(topic: string, shop: string, body: string | Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}) {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-Webhook-Id": randomUUID(),
    "X-Shopify-Api-Version": "2025-10",
    "X-Shopify-Hmac-Sha256": shopifyHmac(body),
    ...extra,
  };
}

/** Resend's (Standard Webhooks) headers over `body`, `ageSeconds` old. */
export function resendHeaders(body: string, secret: string, ageSeconds = 0): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
  return {
    "Content-Type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(timestamp),
    "svix-signature": signWebhook(secret, id, timestamp, body),
  };
}

/** Stripe's `Stripe-Signature` over `body`, `ageSeconds` old. */
export function stripeHeaders(body: string, secret: string, ageSeconds = 0): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "Stripe-Signature": signatureHeader(body, secret, Math.floor(Date.now() / 1000) - ageSeconds),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Did anything change?

/**
 * Tables a refused request may still write, by design: refusals are audited (`AuditLog`), attempts are counted
 * (`RateLimitBucket`), reads fill the read cache (`ShopCache`), requests count in Prometheus counters
 * (`MetricCounter`), and workers beat (`WorkerHeartbeat`). Everything else in `public` is the shops' data and the
 * app's state, plus the job queue.
 */
export const UNTRACKED_TABLES = ["AuditLog", "RateLimitBucket", "ShopCache", "MetricCounter", "WorkerHeartbeat", "_FluxorMigration"];

/**
 * Fingerprints of the database: per tracked table (and the job queue), its row count, the sum of its rows' hashed
 * physical positions and the newest writing transaction. An insert, update (a new row version) or delete changes
 * them, and a lock or a read does not; reading them is a scan of positions only, cheap enough to take between every
 * few requests. Scoped to one shop, only that shop's rows (tables without a shop column are left out).
 */
export class Fingerprints {
  private client: pg.Client | undefined;
  private statements = new Map<string, string>();

  constructor(private readonly url: string) {}

  private async connected(): Promise<pg.Client> {
    if (!this.client) {
      this.client = new pg.Client({ connectionString: this.url });
      await this.client.connect();
    }
    return this.client;
  }

  private async statement(scoped: boolean): Promise<string> {
    const key = scoped ? "shop" : "all";
    const cached = this.statements.get(key);
    if (cached) return cached;
    const client = await this.connected();
    const { rows } = await client.query<{ name: string; shop: boolean }>(
      `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'shopId' AND NOT a.attisdropped) AS shop
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> ALL($1::text[])
        ORDER BY c.relname`,
      [UNTRACKED_TABLES],
    );
    const parts: string[] = [];
    const select = (label: string, from: string, where: string) =>
      `SELECT '${label}' AS name, count(*) || ':' || coalesce(sum(hashtext(t.ctid::text)), 0) || ':' || coalesce(max(t.xmin::text::bigint), 0) AS print FROM ${from} t WHERE ${where}`;
    for (const { name, shop } of rows) {
      if (!scoped) parts.push(select(name, `"${name}"`, "true"));
      else if (name === "Shop") parts.push(select(name, `"${name}"`, "t.id = $1::uuid"));
      else if (name === "Session") parts.push(select(name, `"${name}"`, "t.shop = $2::text"));
      else if (shop) parts.push(select(name, `"${name}"`, `t."shopId" = $1::uuid`));
    }
    parts.push(
      select("graphile_worker.jobs", "graphile_worker._private_jobs", scoped ? "t.payload::text LIKE '%' || $1::text || '%'" : "true"),
    );
    const sql = parts.join("\nUNION ALL\n");
    this.statements.set(key, sql);
    return sql;
  }

  /** Equal fingerprints: nothing was written (to everything, or to one shop's rows). */
  async take(shop?: { shopId: string; domain: string }): Promise<Record<string, string>> {
    const sql = await this.statement(shop !== undefined);
    const { rows } = await (await this.connected()).query<{ name: string; print: string }>(sql, shop ? [shop.shopId, shop.domain] : []);
    return Object.fromEntries(rows.map((row) => [row.name, row.print]));
  }

  async close(): Promise<void> {
    await this.client?.end();
    this.client = undefined;
  }
}

/** The tables whose fingerprints differ. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}
