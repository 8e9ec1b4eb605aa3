/**
 * Every route, attacked the same way (issue 16, "What to build" 1), against the real app (the Remix build behind
 * Express, one instance) on real PostgreSQL. The route list is the build's, checked against app/routes; each route
 * has an entry in tests/support/route-table.ts, and a route without one fails here. For each route:
 * - unauthenticated (no session token, a forged, expired or unsigned one; no operator session or CSRF token; no or a
 *   bad webhook signature; a tampered link token) → refused (4xx, a redirect to sign-in, or the library's empty
 *   204), never 200 with data, never 5xx, nothing written;
 * - shop B naming shop A's ids (variants, products, locations, recomputes, sync events, overrides) → 404 or an
 *   answer without any of A's data, and nothing of A changed; webhooks that claim shop B but name A's ids, once
 *   processed, change nothing of A;
 * - hostile values in every path param, search param and form field the route reads (past bigint, NUL, 10 000
 *   characters, emoji and RTL, wrong types, SQL, dates that do not exist, missing or repeated fields), malformed,
 *   mistyped and 8 MiB bodies, wrong methods, and hostile signed webhook payloads → below 500 always, and a request
 *   that was refused wrote nothing (a fingerprint of every table of shop data and the job queue is unchanged).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import type { ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase } from "../support/db";
import {
  changedTables,
  embeddedQuery,
  Fingerprints,
  forgeToken,
  resendHeaders,
  send,
  sendAll,
  shopifyHeaders,
  startDeadEnd,
  shopifyHmac,
  stripeHeaders,
  BROWSER,
  type Answer,
  type Probe,
} from "../support/route-probe";
import { HOSTILE_PATH_SEGMENTS, HOSTILE_VALUES, ROUTES, routeIdsFromFiles, type Form, type RouteEntry } from "../support/route-table";
import { seedTenant, type Tenant } from "../support/tenants";
import { redirectShopifyFetch } from "../mocks/shopify/redirect";
import { signLink } from "../../app/email/signed-links";
import { runNightlyForecasts, storeOfflineSessions } from "../support/installed-shops";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
// The data-source page's "Test connection" must not reach Open-Meteo or FRED: a closed local port answers at once.
for (const name of ["OPEN_METEO_FORECAST_URL", "OPEN_METEO_ARCHIVE_URL", "OPEN_METEO_GEOCODING_URL", "FRED_API_URL"])
  process.env[name] = "http://127.0.0.1:9";
process.env.RESEND_API_KEY = "re_route_table";
process.env.RESEND_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";
process.env.STRIPE_SECRET_KEY = "sk_test_route_table";
process.env.STRIPE_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64url")}`;
// The sign-in and OAuth routes limit attempts per client IP; the public routes' probes each come from their own
// (X-Forwarded-For from this loopback client), so that every probe reaches the route's code rather than the limit.
process.env.TRUST_PROXY = "loopback";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const OPERATOR = { user: "operator", password: "route-table-operator" };
/** The values set in every param at once in a document request (a full render of the page with them). */
const DOCUMENT_VALUES = ["past-bigint", "NUL", "10k-chars", "emoji-RTL"];
const HUGE_BODY_BYTES = 8 * 1024 * 1024;
/** A route's hostile cases are a few hundred requests: more than the default minute on a busy machine. */
const HOSTILE_TIMEOUT_MS = 180_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prints: Fingerprints;
let deadEnd: Awaited<ReturnType<typeof startDeadEnd>>;
let app: { url: string; close(): Promise<void> };
let build: ServerBuild;
/** Shop A owns the data; shop B is the other tenant; shop C is the one the hostile webhooks claim. */
let A: Tenant;
let B: Tenant;
let C: Tenant;
const extras = new Map<Tenant, { alertForm: string; unsubscribeToken: string; confirmToken: string }>();
const operator = { cookie: "", csrf: "", loginCookie: "", loginCsrf: "" };
let account = "";
/** First lines of what the app logged as errors during the current test (shown with its failures). */
const errorsLogged = new Set<string>();

// ---------------------------------------------------------------------------------------------------------
// Building requests from the table.

/** `value` with its placeholders (tests/support/route-table.ts) filled in with `tenant`'s data. */
function fill(value: string, tenant: Tenant, overrides: Record<string, string> = {}): string {
  const extra = extras.get(tenant);
  const values: Record<string, string> = {
    variant: tenant.variantIds[0]!,
    product: tenant.productIds[0]!,
    location: tenant.locationIds[0]!,
    vendor: tenant.vendor,
    recompute: tenant.recomputeId,
    event: tenant.webhookEventId,
    domain: tenant.domain,
    alertForm: extra?.alertForm ?? "",
    unsubscribeToken: extra?.unsubscribeToken ?? "",
    confirmToken: extra?.confirmToken ?? "",
    csrf: operator.csrf,
    loginCsrf: operator.loginCsrf,
    account,
    claimedShop: C.domain,
    ...overrides,
  };
  return value.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function fillDeep(value: unknown, tenant: Tenant, overrides: Record<string, string> = {}): unknown {
  if (typeof value === "string") return fill(value, tenant, overrides);
  if (Array.isArray(value)) return value.map((item) => fillDeep(item, tenant, overrides));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, tenant, overrides)]));
  return value;
}

/** The route's URL path from the root, with `:param` and `*` still in it. */
function routePattern(id: string): string {
  const segments: string[] = [];
  for (let route = build.routes[id]; route; route = route.parentId ? build.routes[route.parentId] : undefined)
    if (route.path) segments.unshift(route.path);
  return `/${segments.join("/")}`;
}

const hasLoader = (id: string) => typeof build.routes[id]?.module.loader === "function";
const hasAction = (id: string) => typeof build.routes[id]?.module.action === "function";

type Pairs = [string, string][];

function pairsOf(fields: Record<string, string | string[] | null>): Pairs {
  const pairs: Pairs = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) pairs.push([key, item]);
  }
  return pairs;
}

interface Target {
  /** Path params, percent-encoded as sent. */
  params?: Record<string, string>;
  query?: Pairs;
  /** A Remix data request (`_data=<route id>`), for pages. */
  data?: boolean;
}

function urlOf(id: string, target: Target): string {
  const encoded = routePattern(id).replace(/:(\w+)|\*/g, (whole, name: string | undefined) => target.params?.[name ?? "*"] ?? whole);
  const search = new URLSearchParams(target.query ?? []);
  if (target.data) {
    if (build.routes[id]?.index) search.append("index", "");
    search.append("_data", id);
  }
  const query = search.toString();
  return query ? `${encoded}?${query}` : encoded;
}

/** The entry's path params, each with its valid value for `tenant`, encoded. */
function validParams(entry: RouteEntry, tenant: Tenant): Record<string, string> {
  return Object.fromEntries(Object.entries(entry.params ?? {}).map(([name, value]) => [name, encodeURIComponent(fill(value, tenant))]));
}

function validQuery(entry: RouteEntry, tenant: Tenant): Record<string, string> {
  return Object.fromEntries(Object.entries(entry.query ?? {}).map(([name, value]) => [name, fill(value, tenant)]));
}

function validForm(form: Form, tenant: Tenant): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(form).map(([name, value]) => [name, Array.isArray(value) ? value.map((v) => fill(v, tenant)) : fill(value, tenant)]),
  );
}

const FORM_TYPE = { "Content-Type": "application/x-www-form-urlencoded" };

/** The credentials of the entry's kind of caller, as `tenant` (documents carry a shop's token in the URL instead). */
function credentials(entry: RouteEntry, tenant: Tenant): Record<string, string> {
  if (entry.auth === "shop") return { Authorization: `Bearer ${forgeToken(tenant.domain)}` };
  if (entry.auth === "operator") return { Cookie: operator.cookie };
  if (entry.auth === "operator-login") return { Cookie: operator.loginCookie };
  return {};
}

/** A GET of the route's loader (a data request for pages). */
function loaderProbe(id: string, entry: RouteEntry, label: string, target: Target, headers: Record<string, string>): Probe {
  return { label, method: "GET", path: urlOf(id, { ...target, data: entry.kind === "page" }), headers };
}

/** A POST of the route's action with a form (urlencoded, as the pages post it). */
function actionProbe(id: string, entry: RouteEntry, label: string, target: Target, headers: Record<string, string>, body: Pairs): Probe {
  return {
    label,
    method: "POST",
    path: urlOf(id, { ...target, data: entry.kind === "page" }),
    headers: { ...FORM_TYPE, ...headers },
    body: new URLSearchParams(body).toString(),
  };
}

/** A document request (the page rendered), with a shop's session token in the URL as the admin opens it. */
function documentProbe(id: string, entry: RouteEntry, label: string, target: Target, tenant: Tenant, token?: string): Probe {
  const query: Pairs = [...(target.query ?? [])];
  const headers: Record<string, string> = {};
  if (entry.auth === "shop") query.unshift(...embeddedQuery(tenant.domain, token ?? forgeToken(tenant.domain)).entries());
  else Object.assign(headers, credentials(entry, tenant));
  return { label, method: "GET", path: urlOf(id, { ...target, query }), headers };
}

// ---------------------------------------------------------------------------------------------------------
// Judging the answers.

interface Verdict {
  label: string;
  problem: string | null;
}

/**
 * Below 500, with a whole body. A 503 with Retry-After passes: the app declaring an outage of a service this suite
 * does not run (Shopify, Stripe and Resend are a dead end here), not a crash.
 */
function serverProblem(answer: Answer): string | null {
  if (answer.status === 0) return `no answer: ${answer.error}`;
  if (answer.error) return `${answer.status}, then ${answer.error}`;
  if (answer.status === 503 && answer.retryAfter !== null) return null;
  if (answer.status >= 500) return `${answer.status} ${answer.body.slice(0, 120).replace(/\s+/g, " ")}`;
  return null;
}

/** What shop A's data looks like in an answer (names and ids a request never carries). */
function markersOf(tenant: Tenant): string[] {
  return [
    `${tenant.marker} Product`,
    `${tenant.marker} Location`,
    `${tenant.marker} Store`,
    `${tenant.marker} Size`,
    `${tenant.marker}-SKU`,
    tenant.shopId,
  ];
}

function leaks(answer: Answer, tenants: Tenant[]): string | null {
  for (const tenant of tenants)
    for (const marker of markersOf(tenant)) if (answer.body.includes(marker)) return `shows ${tenant.domain}'s "${marker}"`;
  return null;
}

/** Unauthenticated: a 4xx, a redirect into sign-in, or the library's empty 204 (a data request without a token). */
function refusal(answer: Answer): string | null {
  const { status, location, body } = answer;
  if (status >= 400 && status < 500) return null;
  if (status === 204 && body === "") return null;
  if ((status === 302 || status === 303) && location && /^\/(auth\/login|auth\/session-token|ops\/login)\b/.test(location)) return null;
  return `not refused: ${status}${location ? ` → ${location}` : ""} ${body.slice(0, 120).replace(/\s+/g, " ")}`;
}

function refusedAnswer(entry: RouteEntry, answer: Answer): boolean {
  if (answer.probe.method === "GET") return true;
  return entry.refused ? entry.refused(answer.status, answer.body) : answer.status >= 400;
}

let clients = 0;
/** A client IP of its own (198.18.0.0/15, the benchmarking range), for X-Forwarded-For. */
function nextClientIp(): string {
  clients++;
  return `198.18.${(clients >> 8) & 255}.${clients & 255}`;
}

/** Probes sent between two fingerprints: small enough to tell which requests wrote without sending them again. */
const CHUNK = 32;

/**
 * Sends the probes, `CHUNK` at a time (each chunk in parallel), and gives a verdict per probe: `check` on its
 * answer, then "wrote" for a probe that must not write (`mustNotWrite`: reads, refusals) when the fingerprint (of
 * everything, or of one shop's rows) changed over its chunk. Probes that may write (an accepted form or webhook)
 * go in the same chunks; when a chunk wrote, its probes that must not write are sent again without them, halving
 * until the writers are found. With `ownClientIps`, each probe comes from its own client IP.
 */
async function run(
  probes: Probe[],
  check: (answer: Answer) => string | null,
  mustNotWrite: (answer: Answer) => boolean,
  options: { scope?: Tenant; parallel?: number; ownClientIps?: boolean } = {},
): Promise<Verdict[]> {
  const print = () => prints.take(options.scope);
  const sendChecked = async (batch: Probe[]): Promise<{ answers: Answer[]; wrote: string[] }> => {
    const before = await print();
    const answers = await sendAll(app.url, batch, options.parallel);
    return { answers, wrote: changedTables(before, await print()) };
  };
  const verdicts: Verdict[] = [];
  const blame = (verdict: Verdict, wrote: string[]) => {
    verdict.problem = [verdict.problem, `refused, yet wrote ${wrote.join(", ")}`].filter(Boolean).join("; ");
  };
  if (options.ownClientIps) for (const probe of probes) probe.headers = { ...probe.headers, "X-Forwarded-For": nextClientIp() };
  for (let start = 0; start < probes.length; start += CHUNK) {
    const chunk = await sendChecked(probes.slice(start, start + CHUNK));
    const mine = new Map(chunk.answers.map((answer) => [answer.probe, { label: answer.probe.label, problem: check(answer) }]));
    verdicts.push(...mine.values());
    const quiet = chunk.answers.filter(mustNotWrite).map((answer) => answer.probe);
    if (chunk.wrote.length === 0 || quiet.length === 0) continue;
    const writers = async (batch: Probe[]): Promise<number> => {
      const { answers, wrote } = await sendChecked(batch);
      const still = answers.filter(mustNotWrite).map((answer) => answer.probe);
      if (wrote.length === 0 || still.length === 0) return 0;
      if (still.length === 1) {
        blame(mine.get(still[0]!)!, wrote);
        return 1;
      }
      const half = Math.ceil(still.length / 2);
      return (await writers(still.slice(0, half))) + (await writers(still.slice(half)));
    };
    // All refused, and a write that does not happen twice (a first-time row, an upsert): the chunk is to blame.
    if ((await writers(quiet)) === 0 && quiet.length === chunk.answers.length)
      for (const verdict of mine.values()) blame(verdict, chunk.wrote);
  }
  return verdicts;
}

/** The verdicts of one route: none may have a problem. */
function judge(route: string, verdicts: Verdict[]): void {
  const failed = verdicts.filter((v) => v.problem).map((v) => `${v.label}: ${v.problem}`);
  const logged =
    failed.length > 0 && errorsLogged.size > 0 ? [`the app logged: ${[...errorsLogged].slice(0, 5).join(" | ").replace(/\s+/g, " ")}`] : [];
  expect([...failed, ...logged].join("\n"), route).toBe("");
  expect(verdicts.length, `${route}: no case was tried`).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------
// The cases.

/** A value as a percent-encoded path segment; null for one a URL cannot spell (a lone surrogate: HOSTILE_PATH_SEGMENTS sends its UTF-8 bytes). */
function pathSegment(value: string): string | null {
  try {
    return encodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Requests without valid credentials of the route's kind, as the table says it authenticates. */
function unauthenticatedProbes(id: string, entry: RouteEntry): Probe[] {
  const probes: Probe[] = [];
  const target: Target = { params: validParams(entry, A), query: pairsOf(validQuery(entry, A)) };
  const forms = (entry.forms ?? []).map((form) => pairsOf(validForm(form, A)));
  const both = (label: string, headers: Record<string, string>) => {
    if (hasLoader(id)) probes.push(loaderProbe(id, entry, `${label} GET`, target, headers));
    if (hasAction(id)) forms.forEach((form, i) => probes.push(actionProbe(id, entry, `${label} POST form#${i}`, target, headers, form)));
  };
  if (entry.auth === "shop") {
    both("no token", {});
    both("forged token", { Authorization: `Bearer ${forgeToken(A.domain, { secret: "not-the-app-secret-0123456789" })}` });
    both("expired token", { Authorization: `Bearer ${forgeToken(A.domain, { expiresIn: -120 })}` });
    both("unsigned token", { Authorization: `Bearer ${forgeToken(A.domain, { alg: "none" })}` });
    both("another app's token", { Authorization: `Bearer ${forgeToken(A.domain, { audience: "another-app" })}` });
    both("malformed bearer", { Authorization: `Bearer ${"x".repeat(5000)}` });
    if (entry.kind === "page" && hasLoader(id)) {
      probes.push({ label: "document without a token", method: "GET", path: urlOf(id, target) });
      probes.push({
        label: "document without a token, with shop",
        method: "GET",
        path: urlOf(id, { ...target, query: [["shop", A.domain]] }),
      });
      const forged = forgeToken(A.domain, { secret: "not-the-app-secret-0123456789" });
      probes.push(documentProbe(id, entry, "document with a forged token", target, A, forged));
    }
  } else if (entry.auth === "operator") {
    both("no session", {});
    both("forged session", { Cookie: `__Host-fluxor-ops=${randomBytes(48).toString("base64url")}; fluxor-ops=x` });
    both("tampered session", { Cookie: tamperSignature(operator.cookie) });
    if (hasAction(id))
      forms.forEach((form, i) =>
        probes.push(
          actionProbe(
            id,
            entry,
            `session without CSRF form#${i}`,
            target,
            { Cookie: operator.cookie },
            form.filter(([k]) => k !== "csrf"),
          ),
        ),
      );
  } else if (entry.auth === "operator-login") {
    forms.forEach((form, i) => {
      probes.push(actionProbe(id, entry, `no nonce cookie form#${i}`, target, {}, form));
      probes.push(
        actionProbe(id, entry, `another form's CSRF form#${i}`, target, { Cookie: operator.loginCookie }, [
          ...form.filter(([k]) => k !== "csrf"),
          ["csrf", "x".repeat(43)],
        ]),
      );
    });
  } else if (entry.auth === "link-token") {
    const other = (purpose: "confirm" | "unsubscribe") =>
      signLink(process.env.SHOPIFY_API_SECRET ?? "", purpose, A.shopId, `owner@${A.domain}`);
    const foreign = signLink("another-secret-0123456789abcdef", "unsubscribe", A.shopId, `owner@${A.domain}`);
    const tokens: Record<string, string> = {
      "malformed token": "abc",
      "tampered token": tamperSignature(fill(entry.params?.token ?? "", A)),
      "token of the other purpose": other(id.includes("confirm") ? "unsubscribe" : "confirm"),
      "token under another secret": foreign,
    };
    for (const [label, token] of Object.entries(tokens)) {
      const linked = { ...target, params: { token: encodeURIComponent(token) } };
      if (hasLoader(id)) probes.push(loaderProbe(id, entry, `${label} GET`, linked, {}));
      forms.forEach((form, i) => probes.push(actionProbe(id, entry, `${label} POST form#${i}`, linked, {}, form)));
    }
  } else if (entry.webhook) {
    probes.push(...unsignedWebhookProbes(id, entry));
  } else if (entry.auth === "public") {
    if (hasLoader(id)) probes.push(loaderProbe(id, entry, "public GET", target, {}));
  }
  return probes;
}

function unsignedWebhookProbes(id: string, entry: RouteEntry): Probe[] {
  const { topic, payload } = entry.webhook!;
  const claimed = claimedShop(topic);
  const body = JSON.stringify(fillDeep(payload, C, { claimedShop: claimed }));
  const url = routePattern(id);
  const post = (label: string, headers: Record<string, string>, content = body): Probe => ({
    label,
    method: "POST",
    path: url,
    headers,
    body: content,
  });
  if (entry.auth === "shopify-hmac") {
    const signed = shopifyHeaders(topic, claimed, body);
    return [
      post("no Shopify headers", { "Content-Type": "application/json" }),
      post("no signature", { ...signed, "X-Shopify-Hmac-Sha256": "" }),
      post("signature under another secret", { ...signed, "X-Shopify-Hmac-Sha256": shopifyHmac(body, "not-the-app-secret") }),
      post("signature of another body", signed, body.replace(/}$/, ', "extra": 1}')),
      post("garbage signature", { ...signed, "X-Shopify-Hmac-Sha256": "x".repeat(5000) }),
    ];
  }
  if (entry.auth === "resend-signature") {
    const secret = process.env.RESEND_WEBHOOK_SECRET ?? "";
    const signed = resendHeaders(body, secret);
    return [
      post("no signature headers", { "Content-Type": "application/json" }),
      post("signature under another secret", resendHeaders(body, `whsec_${randomBytes(24).toString("base64")}`)),
      post("signature of another body", signed, body.replace(/}$/, ', "extra": 1}')),
      post("replayed an hour late", resendHeaders(body, secret, 3600)),
      post("garbage signature", { ...signed, "svix-signature": "v1,".concat("x".repeat(5000)) }),
    ];
  }
  const secret = process.env.STRIPE_WEBHOOK_SECRET ?? "";
  return [
    post("no signature", { "Content-Type": "application/json" }),
    post("signature under another secret", stripeHeaders(body, "whsec_another")),
    post("signature of another body", stripeHeaders(body, secret), body.replace(/}$/, ', "extra": 1}')),
    post("replayed an hour late", stripeHeaders(body, secret, 3600)),
    post("garbage signature", { "Content-Type": "application/json", "Stripe-Signature": `t=1,v1=${"x".repeat(5000)}` }),
  ];
}

/** Hostile values of a form field, search param or path param, one at a time, as shop A (the owner of the ids). */
function hostileProbes(id: string, entry: RouteEntry): Probe[] {
  const probes: Probe[] = [];
  const auth = credentials(entry, A);
  const params = validParams(entry, A);
  const query = validQuery(entry, A);
  const forms = (entry.forms ?? []).map((form) => validForm(form, A));
  const loader = hasLoader(id);
  const action = hasAction(id);
  const data = entry.kind === "page";

  for (const name of Object.keys(params))
    for (const hostile of [...HOSTILE_VALUES, ...HOSTILE_PATH_SEGMENTS]) {
      const segment = hostile.raw ?? (typeof hostile.value === "string" ? pathSegment(hostile.value) : null);
      if (segment === null) continue;
      const target: Target = { params: { ...params, [name]: segment }, query: pairsOf(query) };
      if (loader) probes.push(loaderProbe(id, entry, `param ${name}=${hostile.name} GET`, target, auth));
      if (action)
        forms.forEach((form, i) =>
          probes.push(actionProbe(id, entry, `param ${name}=${hostile.name} POST form#${i}`, target, auth, pairsOf(form))),
        );
    }

  if (loader)
    for (const [i, set] of [params, ...(entry.alsoParams ?? []).map((other) => validParams({ ...entry, params: other }, A))].entries())
      for (const name of Object.keys(query))
        for (const hostile of HOSTILE_VALUES) {
          const label = `${i === 0 ? "" : `at ${urlOf(id, { params: set })} `}query ${name}=${hostile.name}`;
          probes.push(loaderProbe(id, entry, label, { params: set, query: pairsOf({ ...query, [name]: hostile.value }) }, auth));
        }

  if (action) {
    // A field already made hostile in an earlier form of the same intent is not again (the same code reads it).
    const fuzzed = new Set<string>();
    forms.forEach((form, i) => {
      for (const name of Object.keys(form)) {
        const key = `${String(form.intent ?? "")}:${name}`;
        if (fuzzed.has(key)) continue;
        fuzzed.add(key);
        for (const hostile of HOSTILE_VALUES)
          probes.push(
            actionProbe(id, entry, `form#${i} ${name}=${hostile.name}`, { params }, auth, pairsOf({ ...form, [name]: hostile.value })),
          );
      }
    });
    const first = forms[0] ?? {};
    const encoded = new URLSearchParams(pairsOf(first)).toString();
    const post = (label: string, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>): Probe => ({
      label: `body ${label}`,
      method: "POST",
      path: urlOf(id, { params, data }),
      headers: { ...auth, ...headers },
      body,
    });
    probes.push(
      post("as JSON", { "Content-Type": "application/json" }, JSON.stringify(first)),
      post("malformed JSON", { "Content-Type": "application/json" }, '{"intent":'),
      post("as text/plain", { "Content-Type": "text/plain" }, encoded),
      post("without a content type", {}, new TextEncoder().encode(encoded)),
      post(
        "broken multipart",
        { "Content-Type": "multipart/form-data; boundary=x" },
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
      ),
      post("multipart without a boundary", { "Content-Type": "multipart/form-data" }, encoded),
      post("malformed urlencoded", FORM_TYPE, "%E0%A4%A=1&&=&%zz=%"),
      post("20 000 fields", FORM_TYPE, "a=1&".repeat(20_000)),
      post("8 MiB", FORM_TYPE, `${encoded}&pad=${"x".repeat(HUGE_BODY_BYTES)}`),
    );
  }

  const bare = urlOf(id, { params, data });
  if (!action) probes.push({ label: "method POST", method: "POST", path: bare, headers: { ...auth, ...FORM_TYPE }, body: "a=1" });
  if (!loader) probes.push({ label: "method GET", method: "GET", path: bare, headers: auth });
  probes.push({ label: "method PUT", method: "PUT", path: bare, headers: { ...auth, ...FORM_TYPE }, body: "a=1" });

  if (entry.kind === "page" && loader) {
    const names = [...Object.keys(params), ...Object.keys(query)];
    for (const name of names.length > 0 ? DOCUMENT_VALUES : ["empty"]) {
      const hostile = HOSTILE_VALUES.find((h) => h.name === name)!;
      const one = typeof hostile.value === "string" ? hostile.value : (hostile.value?.[0] ?? "");
      const target: Target = {
        params: Object.fromEntries(Object.keys(params).map((p) => [p, encodeURIComponent(one)])),
        query: pairsOf(Object.fromEntries(Object.keys(query).map((q) => [q, hostile.value]))),
      };
      probes.push(documentProbe(id, entry, names.length > 0 ? `document ${name}` : "document", target, A));
    }
  }
  return probes;
}

/** JSON values put in place of one field of a webhook payload (as raw JSON text). */
const HOSTILE_JSON: [string, string][] = [
  ["past-bigint", "9223372036854775808"],
  ["past-bigint-string", '"9223372036854775808"'],
  ["negative", "-1"],
  ["NUL", '"a\\u0000b"'],
  ["10k-chars", JSON.stringify("x".repeat(10_000))],
  ["emoji-RTL", JSON.stringify("📦🔥👩‍👩‍👧\u202Eevil\u202C")],
  ["array", "[]"],
  ["object", "{}"],
  ["null", "null"],
];
/** Fewer values for the fields inside objects and lists, and for a route that shares another's payload (`sameAs`). */
const NESTED_JSON = new Set(["past-bigint", "NUL", "array"]);
const MARK = "__route_table_hostile__";

/** Every field of a payload: paths to depth 3 (the first item of a list stands for all). */
function fieldsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (prefix.length >= 3 || value === null || typeof value !== "object") return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? (value.length > 0 ? [[0, value[0]]] : []) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...fieldsOf(child, [...prefix, key])]);
}

/** The payload with the field at `at` replaced by raw JSON (or removed: null). */
function replaced(payload: unknown, at: (string | number)[], raw: string | null): string {
  const copy = structuredClone(payload) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at.at(-1)!;
  if (raw === null) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
    return JSON.stringify(copy);
  }
  node[last] = MARK;
  return JSON.stringify(copy).replace(JSON.stringify(MARK), raw);
}

/** Who a Shopify webhook claims to be from: shop C, or a shop that never installed for the ones that erase or uninstall. */
function claimedShop(topic: string): string {
  return topic === "app/uninstalled" || topic === "shop/redact" ? "rt-gone.myshopify.com" : C.domain;
}

/** Signed (so past the signature check) hostile webhook deliveries. */
function hostileWebhookProbes(id: string, entry: RouteEntry): Probe[] {
  const { topic, payload: template, sameAs } = entry.webhook!;
  const claimed = claimedShop(topic);
  const valid = fillDeep(template, C, { claimedShop: claimed }) as Record<string, unknown>;
  const url = routePattern(id);
  const sign = (body: string, extra: Record<string, string> = {}): Record<string, string> => {
    if (entry.auth === "shopify-hmac") return shopifyHeaders(topic, claimed, body, extra);
    if (entry.auth === "resend-signature") return { ...resendHeaders(body, process.env.RESEND_WEBHOOK_SECRET ?? ""), ...extra };
    return { ...stripeHeaders(body, process.env.STRIPE_WEBHOOK_SECRET ?? ""), ...extra };
  };
  const post = (label: string, body: string, extra: Record<string, string> = {}): Probe => ({
    label,
    method: "POST",
    path: url,
    headers: sign(body, extra),
    body,
  });
  const probes: Probe[] = [];
  for (const [label, body] of Object.entries({
    "malformed JSON": '{"id":',
    empty: "",
    "JSON array": "[]",
    "JSON object": "{}",
    "JSON true": "true",
    "JSON null": "null",
    "JSON string": '"x"',
    "JSON number": "1",
    "2000-deep": "[".repeat(2000) + "]".repeat(2000),
  }))
    probes.push(post(`body ${label}`, body));
  for (const at of fieldsOf(valid)) {
    if (sameAs && at.length > 1) continue;
    const name = at.join(".");
    const values = at.length === 1 && !sameAs ? HOSTILE_JSON : HOSTILE_JSON.filter(([n]) => NESTED_JSON.has(n));
    for (const [label, raw] of values) probes.push(post(`field ${name}=${label}`, replaced(valid, at, raw)));
    probes.push(post(`field ${name}=absent`, replaced(valid, at, null)));
  }
  const body = JSON.stringify(valid);
  if (entry.auth === "shopify-hmac") {
    probes.push(
      post("header shop domain of 10k chars", body, { "X-Shopify-Shop-Domain": `${"a".repeat(10_000)}.myshopify.com` }),
      post("header shop domain not Shopify's", body, { "X-Shopify-Shop-Domain": "evil.example.com" }),
      post("header topic of another route", body, { "X-Shopify-Topic": topic === "orders/create" ? "products/delete" : "orders/create" }),
      post("header API version garbage", body, { "X-Shopify-Api-Version": "garbage" }),
      post("header API version 1999-01", body, { "X-Shopify-Api-Version": "1999-01" }),
      post("header webhook id of 10k chars", body, { "X-Shopify-Webhook-Id": "w".repeat(10_000) }),
    );
  }
  const huge = JSON.stringify({ ...(valid as object), pad: "x".repeat(6 * 1024 * 1024) });
  probes.push(post("body 6 MiB", huge));
  probes.push({ label: "method GET", method: "GET", path: url, headers: sign("") });
  return probes;
}

/** Shop B naming shop A's ids (path, query, form), on a data request, a document and each form. */
function crossTenantProbes(id: string, entry: RouteEntry): Probe[] {
  const auth = credentials(entry, B);
  const target: Target = { params: validParams(entry, A), query: pairsOf(validQuery(entry, A)) };
  const probes: Probe[] = [];
  if (hasLoader(id)) {
    probes.push(loaderProbe(id, entry, "B reads A's ids", target, auth));
    if (entry.kind === "page") probes.push(documentProbe(id, entry, "B opens A's ids", target, B));
  }
  if (hasAction(id))
    (entry.forms ?? []).forEach((form, i) =>
      probes.push(actionProbe(id, entry, `B posts A's ids form#${i}`, target, auth, pairsOf(validForm(form, A)))),
    );
  return probes;
}

// ---------------------------------------------------------------------------------------------------------
// Set-up: three shops, forecasts, an operator, the app.

/**
 * A signed value with one character of its signature changed. Not the last one: the last base64url character of a
 * signature carries unused bits, so changing it may decode to the same bytes and still verify (a flaky "tampered" case).
 */
function tamperSignature(signed: string): string {
  const at = signed.length - 10;
  return `${signed.slice(0, at)}${signed[at] === "A" ? "B" : "A"}${signed.slice(at + 1)}`;
}

async function operatorSession(): Promise<void> {
  const response = await fetch(`${app.url}/ops/login?_data=routes%2Fops.login`, { redirect: "manual" });
  const loginCookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
  const { csrf: loginCsrf } = (await response.json()) as { csrf: string };
  operator.loginCookie = loginCookie;
  operator.loginCsrf = loginCsrf;
  expect(loginCsrf).toBeTruthy();
  // A second form (with its own nonce) signs in, so the one above stays unused for the hostile cases.
  const other = await fetch(`${app.url}/ops/login?_data=routes%2Fops.login`, { redirect: "manual" });
  const otherCookie = other.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
  const { csrf } = (await other.json()) as { csrf: string };
  const signedIn = await fetch(`${app.url}/ops/login`, {
    method: "POST",
    redirect: "manual",
    headers: { ...FORM_TYPE, Cookie: otherCookie },
    body: new URLSearchParams({ user: OPERATOR.user, password: OPERATOR.password, csrf, next: "/ops" }),
  });
  expect(signedIn.status).toBe(302);
  operator.cookie = signedIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="))
    .join("; ");
  const shell = await fetch(`${app.url}/ops?_data=routes%2Fops`, { headers: { Cookie: operator.cookie } });
  operator.csrf = ((await shell.json()) as { operator: { csrf: string } }).operator.csrf;
  expect(operator.csrf).toBeTruthy();
}

async function alertFormOf(tenant: Tenant): Promise<string> {
  const response = await fetch(`${app.url}/app/alerts?index&_data=routes%2Fapp.alerts._index`, {
    headers: { ...BROWSER, Authorization: `Bearer ${forgeToken(tenant.domain)}` },
  });
  // A deferred answer: the page's data on the first line, the deferred parts after it.
  const page = JSON.parse((await response.text()).split("\n")[0]!) as { values: unknown };
  return JSON.stringify(page.values);
}

beforeAll(async () => {
  db = await createTestDatabase();
  prints = new Fingerprints(db.url);
  // No Shopify, Stripe or Resend here: any call the app makes to them fails at once.
  deadEnd = await startDeadEnd();
  redirectShopifyFetch(deadEnd.url);
  process.env.RESEND_BASE_URL = deadEnd.url;
  process.env.STRIPE_API_BASE = deadEnd.url;
  const { hashPassword } = await import("../../app/ops/password.server");
  process.env.FLUXOR_OPS_USERS = `${OPERATOR.user}:${await hashPassword(OPERATOR.password, { logN: 10, r: 8, p: 1 })}`;
  process.env.FLUXOR_OPS_SESSION_SECRET = randomBytes(32).toString("base64url");

  A = await seedTenant(db.url, { domain: "rt-aardvark.myshopify.com", idBase: 1_000_000, marker: "Aardvark" });
  B = await seedTenant(db.url, { domain: "rt-bison.myshopify.com", idBase: 2_000_000, marker: "Bison" });
  C = await seedTenant(db.url, { domain: "rt-cormorant.myshopify.com", idBase: 3_000_000, marker: "Cormorant" });
  await storeOfflineSessions(
    db.url,
    [A, B, C].map((shop) => shop.domain),
  );
  await runNightlyForecasts(db.url);
  // Each shop's billing account, opened (with the trial: the Pro plan's features) as the install opens it; C's is the
  // one the operator console's rail change names.
  const pool = await import("../../app/db/pool.server");
  const ledger = await import("../../app/billing/ledger.server");
  for (const shop of [A, B]) await ledger.openAccount(pool.pool(), { id: shop.shopId, domain: shop.domain });
  account = (await ledger.openAccount(pool.pool(), { id: C.shopId, domain: C.domain })).id;

  build = (await import(pathToFileURL(path.join(ROOT, "build", "index.js")).href)) as ServerBuild;
  // The app logs every refusal and error; keep the errors' first lines for the failures' messages.
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "info").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    const first = args
      .map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : inspect(a, { depth: 1, breakLength: Infinity })))
      .join(" ")
      .split("\n")[0]!;
    if (errorsLogged.size < 50) errorsLogged.add(first.slice(0, 200));
  });
  const { startFluxor } = await import("../../app/server/fluxor.server");
  app = await startFluxor({ port: 0, log: () => {} });

  await operatorSession();
  for (const tenant of [A, B]) {
    const secret = process.env.SHOPIFY_API_SECRET ?? "";
    extras.set(tenant, {
      alertForm: await alertFormOf(tenant),
      unsubscribeToken: signLink(secret, "unsubscribe", tenant.shopId, `owner@${tenant.domain}`),
      confirmToken: signLink(secret, "confirm", tenant.shopId, `extra@${tenant.domain}`),
    });
  }
}, 120_000);

afterAll(async () => {
  await prints?.close();
  await app?.close();
  await deadEnd?.close();
  await db?.drop();
  vi.restoreAllMocks();
});

const entries = Object.entries(ROUTES);
/** Every route but the layouts without a loader or action of their own. */
const routed = entries.filter(([, entry]) => entry.auth !== "layout").map(([id]) => id);

// ---------------------------------------------------------------------------------------------------------

describe("the route table", () => {
  it("has an entry for every route of the build and every route module in app/routes, and no other", () => {
    const built = Object.keys(build.routes).sort();
    const files = ["root", ...routeIdsFromFiles(path.join(ROOT, "app", "routes"))].sort();
    const table = Object.keys(ROUTES).sort();
    expect(
      built.filter((id) => !table.includes(id)),
      "routes of the build without an entry in tests/support/route-table.ts",
    ).toEqual([]);
    expect(
      files.filter((id) => !table.includes(id)),
      "route modules without an entry in tests/support/route-table.ts",
    ).toEqual([]);
    expect(
      table.filter((id) => !built.includes(id)),
      "entries naming no route of the build (rebuild, or remove the entry)",
    ).toEqual([]);
    expect(
      files.filter((id) => !built.includes(id)),
      "route modules missing from the build (run `npx remix build`)",
    ).toEqual([]);
  });

  it("names for each route the params, query and forms it reads, and a reason when it is public", () => {
    for (const [id, entry] of entries) {
      if (!build.routes[id]) continue;
      const pattern = routePattern(id);
      const params = [...pattern.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? "*");
      expect(Object.keys(entry.params ?? {}).sort(), `${id}: its path params`).toEqual(params.sort());
      if (entry.auth === "public" || entry.auth === "layout") expect(entry.why, `${id}: why it needs no authentication`).toBeTruthy();
      if (hasAction(id) && entry.kind !== "webhook" && entry.auth !== "public")
        expect(entry.forms, `${id}: the forms its action reads`).toBeDefined();
      if (entry.kind === "webhook") expect(hasLoader(id), `${id}: a webhook has no loader`).toBe(false);
      const sameAs = entry.webhook?.sameAs;
      if (sameAs) expect(ROUTES[sameAs]?.webhook, `${id}: shares the payload of ${sameAs}, a webhook route`).toBeDefined();
    }
  });
});

describe("unauthenticated", () => {
  it.each(routed)("%s refuses, writes nothing and shows no shop's data", async (id) => {
    errorsLogged.clear();
    const entry = ROUTES[id]!;
    const probes = unauthenticatedProbes(id, entry);
    const verdicts = await run(
      probes,
      (answer) => serverProblem(answer) ?? leaks(answer, [A, B, C]) ?? (entry.auth === "public" ? null : refusal(answer)),
      (answer) => entry.auth !== "public" || answer.probe.method === "GET",
      { ownClientIps: entry.auth === "public" },
    );
    judge(id, verdicts);
  });
});

describe("another shop's ids", () => {
  const tenantRoutes = entries.filter(([, e]) => e.crossTenant).map(([id]) => id);

  it.each(tenantRoutes)("%s: shop B gets none of shop A's data and changes nothing of A", async (id) => {
    errorsLogged.clear();
    const entry = ROUTES[id]!;
    const verdicts = await run(
      crossTenantProbes(id, entry),
      (answer) =>
        serverProblem(answer) ??
        leaks(answer, [A]) ??
        (entry.crossTenant === "not-found" && ![403, 404, 405].includes(answer.status) ? `answered ${answer.status}, not 404` : null),
      () => true,
      { scope: A },
    );
    judge(id, verdicts);
  });

  it("webhooks that claim shop B but name shop A's ids change nothing of A once processed", async () => {
    errorsLogged.clear();
    const before = await prints.take(A);
    const [product, variant, item, location] = [A.productIds[0]!, A.variantIds[0]!, A.inventoryItemIds[0]!, A.locationIds[0]!].map(Number);
    const now = new Date().toISOString();
    const deliveries: [string, Record<string, unknown>][] = [
      [
        "products/update",
        {
          id: product,
          title: "Bison took it",
          handle: "taken",
          status: "active",
          created_at: "2026-01-01T00:00:00Z",
          updated_at: now,
          variants: [{ id: variant, title: "Taken", sku: "T", price: "0.01", inventory_item_id: item, updated_at: now }],
        },
      ],
      ["inventory_levels/update", { inventory_item_id: item, location_id: location, available: 999, updated_at: now }],
      [
        "orders/create",
        {
          id: 77,
          name: "#77",
          created_at: now,
          updated_at: now,
          currency: "GBP",
          location_id: location,
          line_items: [{ id: 78, variant_id: variant, product_id: product, quantity: 50, price: "1.00" }],
        },
      ],
      ["products/delete", { id: product }],
    ];
    const probes = deliveries.map(([topic, payload]): Probe => {
      const body = JSON.stringify(payload);
      return { label: topic, method: "POST", path: `/webhooks/${topic}`, headers: shopifyHeaders(topic, B.domain, body), body };
    });
    // One at a time, in order, as Shopify sends one shop's changes.
    const answers = await sendAll(app.url, probes, 1);
    expect(answers.map((a) => [a.probe.label, a.status])).toEqual(deliveries.map(([topic]) => [topic, 200]));
    const { pool } = await import("../../app/db/pool.server");
    const sync = await import("../../app/sync/webhooks.server");
    const { rows } = await pool().query<{ id: string }>(
      `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = ANY($2::text[]) ORDER BY id`,
      [B.shopId, probes.map((probe) => probe.headers!["X-Shopify-Webhook-Id"])],
    );
    expect(rows, "the deliveries stored as shop B's").toHaveLength(deliveries.length);
    for (const { id } of rows) await sync.processEvent(pool(), (await sync.loadEvent(pool(), id))!);
    expect(changedTables(before, await prints.take(A)), "tables of A that changed").toEqual([]);
  });
});

describe("hostile parameters and bodies", () => {
  it.each(routed)(
    "%s answers below 500 and a refused request writes nothing",
    async (id) => {
      errorsLogged.clear();
      const entry = ROUTES[id]!;
      const probes = entry.webhook ? hostileWebhookProbes(id, entry) : hostileProbes(id, entry);
      // Webhook deliveries one at a time: the app stores concurrent ones in one batch, and one delivery that fails its
      // batch would fail the others with it, so each answer would depend on its neighbours.
      const verdicts = await run(probes, serverProblem, (answer) => refusedAnswer(entry, answer), {
        parallel: entry.webhook ? 1 : undefined,
        ownClientIps: entry.auth === "public",
      });
      judge(id, verdicts);
    },
    HOSTILE_TIMEOUT_MS,
  );

  it("leaves the app answering", async () => {
    const health = await send(app.url, { label: "healthz", method: "GET", path: "/healthz" });
    expect(health.status).toBe(200);
  });
});
