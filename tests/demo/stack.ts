/**
 * The whole local stack in one process, for `npm run demo`, the integration tests and the browser
 * tests: embedded PostgreSQL, the local Shopify stand-in, a tunnel in front of Fluxor (as
 * `shopify app dev` provides), the local Resend stand-in with its inbox, Fluxor with its worker.
 * Never used in production.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../support/ports";
import {
  loadAppConfig,
  redirectShopifyFetch,
  startShopifyStandIn,
  startTunnel,
  ID_SPACES,
  type DeliveryMode,
  type ScaleOptions,
} from "../mocks/shopify";
import { newWebhookSecret, startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { newWebhookSecret as newStripeWebhookSecret, startStripeStandIn, type StripeStandIn } from "../mocks/stripe";
import { startSignalsStandIn, type SignalsStandIn } from "../mocks/signals";
import { hashPassword } from "../../app/ops/password.server";

export const DEMO_SHOP = "hollow-oak-gifts.myshopify.com";
/** The demo stores after the first (`stores` > 1, `npm run demo -- --stores N`): second-store, third-store, …, tenth-store. */
const MORE_DEMO_STORES = ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"].map(
  (ordinal) => `${ordinal}-store.myshopify.com`,
);
/** At most this many demo stores (`stores`). */
export const MAX_DEMO_STORES = MORE_DEMO_STORES.length + 1;

/** The domains of `count` demo stores: the demo store first, then second-store, third-store, … */
export function demoShops(count = 1): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEMO_STORES)
    throw new Error(`the demo hosts 1 to ${MAX_DEMO_STORES} stores, not ${count}`);
  return [DEMO_SHOP, ...MORE_DEMO_STORES.slice(0, count - 1)];
}
/** The demo's second shop: a direct contract, billed on the Stripe rail (FLUXOR_STRIPE_RAIL_SHOPS), and a small store. */
export const STRIPE_DEMO_SHOP = "north-fjord-supply.myshopify.com";
const STRIPE_DEMO_STORE: ScaleOptions = { products: 20, days: 60 };
/** Its id space: the last, whatever the number of demo stores before it (tests/mocks/shopify `storeIds`). */
const STRIPE_DEMO_ID_SPACE = ID_SPACES - 1;
/** The demo's operator for the console at /ops (decision 0046): demo and tests only, never a real deployment. */
export const DEMO_OPERATOR = { user: "operator", password: "fluxor-demo-operator" } as const;

/**
 * The key that encrypts access tokens at rest. A throw-away database gets a throw-away key; the demo's
 * persistent database keeps its key beside it in `.data/` (git-ignored), or the next run could not decrypt the
 * sessions the last one stored.
 */
function devEncryptionKeys(persistent: boolean): string {
  if (!persistent) return `dev:${randomBytes(32).toString("base64")}`;
  const file = path.join(ROOT, ".data", "demo-encryption-keys");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    // Written aside, then linked into place: of two processes starting at once (test files run in parallel),
    // one key wins and both read it whole.
    const draft = `${file}.${process.pid}`;
    writeFileSync(draft, `dev:${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(draft, { force: true });
    }
  }
  return readFileSync(file, "utf8").trim();
}
/** Requests that stand for the merchant's browser must look like one: the library answers bots with 410. */
export const BROWSER_HEADERS = {
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
};
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const TEST_STORE: ScaleOptions = { products: 120, days: 120 };

export interface StackOptions {
  /**
   * Base port: stand-in admin on `port`, tunnel on `port + 1`, Fluxor on `port + 2`, a fresh database on `port + 3`,
   * the Resend stand-in (API and inbox) on `port + 4`, the Stripe stand-in (API and hosted pages) on `port + 5`.
   * 0 = random ports.
   */
  port?: number;
  /** A throw-away database in a temporary folder instead of `.data/postgres`. */
  freshDatabase?: boolean;
  seed?: number;
  /**
   * How many demo stores the stand-in hosts (default 1, at most 10): the demo store, then `second-store`, `third-store`, …
   * (`demoShops`), each a store of its own (seed + its position, its own ids, tokens and webhooks) and of the same
   * size. `install(shop)` installs Fluxor into one; `npm run demo -- --stores N` installs it into each.
   */
  stores?: number;
  /** More shops hosted by the stand-in (not installed), for multi-tenant tests. */
  extraShops?: string[];
  /**
   * The hosted stores' size. Default: a small store (120 products, 120 days), so that the initial sync the
   * install starts finishes in seconds in tests; `npm run demo` asks for the full store ("full").
   */
  scale?: ScaleOptions | "full";
  /** Run the job worker in this process (default). False: start it yourself, e.g. `startWorkerProcess` (tests/demo/worker-process.ts). */
  inlineWorker?: boolean;
  /** Live store activity in each demo store (events per second; 0 = none). */
  simulate?: number;
  /** How the stand-in delivers store-change webhooks (duplicates, reordering, retries). */
  webhooks?: DeliveryMode;
  log?: (line: string) => void;
}

export interface Stack {
  /** The demo store's admin page with Fluxor (the first of `shops`). */
  adminUrl: string;
  /** The demo stores the stand-in hosts (`stores`), the demo store first. */
  shops: string[];
  appUrl: string;
  standIn: Awaited<ReturnType<typeof startShopifyStandIn>>;
  /** The local Resend: what the app sends (`resend.messages()`), bounces and complaints on demand, faults. */
  resend: ResendStandIn;
  /** The inbox page of everything the app sent. */
  inboxUrl: string;
  /** The local Stripe: its API, hosted checkout and portal, test clocks, signed webhooks to the app. */
  stripe: StripeStandIn;
  /** The outside signal sources (weather, economic indicators): tests/mocks/signals. */
  signals: SignalsStandIn;
  /** The operator console, served by Fluxor directly (not through the tunnel: it is no part of the Shopify app). */
  opsUrl: string;
  /** Installs the app into the demo shop the way Shopify's managed install does: the admin opens the app with a session token. */
  install(shop?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const base = options.port ?? 0;
  const [adminPort, tunnelPort, appPort, pgPort, resendPort, stripePort, signalsPort] = base
    ? [base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6]
    : [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  let tempDir: string | undefined;
  if (options.freshDatabase && !process.env.DATABASE_URL) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), "fluxor-demo-pg-"));
    chmodSync(tempDir, 0o755);
    process.env.FLUXOR_EMBEDDED_PG_DIR = path.join(tempDir, "data");
    process.env.FLUXOR_EMBEDDED_PG_PORT = String(pgPort);
  }

  try {
    return await startParts(options, { adminPort, tunnelPort, appPort, resendPort, stripePort, signalsPort }, tempDir, log);
  } catch (error) {
    // A stack that did not start leaves no throw-away database behind.
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

async function startParts(
  options: StackOptions,
  ports: { adminPort: number; tunnelPort: number; appPort: number; resendPort: number; stripePort: number; signalsPort: number },
  tempDir: string | undefined,
  log: (line: string) => void,
): Promise<Stack> {
  const { adminPort, tunnelPort, appPort, resendPort, stripePort, signalsPort } = ports;
  // Development credentials for the local stand-in only.
  process.env.SHOPIFY_API_KEY ??= "fluxor-dev-client-id";
  process.env.SHOPIFY_API_SECRET ??= "fluxor-dev-secret-" + randomBytes(8).toString("hex");
  process.env.FLUXOR_ENCRYPTION_KEYS ??= devEncryptionKeys(tempDir === undefined);
  const appConfig = loadAppConfig(path.join(ROOT, "shopify.app.toml"), {
    apiKey: process.env.SHOPIFY_API_KEY,
    apiSecret: process.env.SHOPIFY_API_SECRET ?? "",
    appUrl: `http://127.0.0.1:${tunnelPort}`,
  });
  process.env.SHOPIFY_APP_URL = appConfig.appUrl;
  process.env.SCOPES = appConfig.scopes.join(",");

  // Before the app (and its Shopify adapter) loads: its calls to https://{shop} go to the stand-in.
  redirectShopifyFetch(`http://127.0.0.1:${adminPort}`);
  const shops = demoShops(options.stores);
  const standIn = await startShopifyStandIn({
    port: adminPort,
    app: appConfig,
    stores: [
      // Each in the id space of its position (the stand-in's default), the Stripe shop in the last.
      ...[...shops, ...(options.extraShops ?? [])].map((domain, index) => ({
        domain,
        seed: (options.seed ?? 42) + index,
        scale: options.scale === "full" ? undefined : (options.scale ?? TEST_STORE),
      })),
      { domain: STRIPE_DEMO_SHOP, seed: (options.seed ?? 42) + 100, scale: STRIPE_DEMO_STORE, idSpace: STRIPE_DEMO_ID_SPACE },
    ],
    webhooks: options.webhooks,
  });
  if (options.simulate)
    shops.forEach((shop, index) => standIn.startSimulator(shop, { ratePerSecond: options.simulate, seed: (options.seed ?? 42) + index }));

  // Email goes to the local Resend stand-in, never to Resend: the SDK reads RESEND_BASE_URL (and the worker
  // process, started with this environment, too). Its webhooks reach the app through the tunnel, as Resend's
  // would reach the public URL; until the app answers them, they are retried quietly.
  process.env.RESEND_API_KEY ??= "re_fluxor_demo_local_stand_in";
  process.env.RESEND_WEBHOOK_SECRET ??= newWebhookSecret();
  process.env.FLUXOR_EMAIL_FROM ??= "Fluxor <alerts@fluxor.test>";
  const senderDomain = /@([^@>\s]+)>?\s*$/.exec(process.env.FLUXOR_EMAIL_FROM)?.[1] ?? "fluxor.test";
  const resend = await startResendStandIn({
    port: resendPort,
    apiKeys: [process.env.RESEND_API_KEY],
    webhook: { url: `${appConfig.appUrl}/webhooks/resend`, secret: process.env.RESEND_WEBHOOK_SECRET },
    domains: [{ name: senderDomain, status: "verified" }],
  });
  process.env.RESEND_BASE_URL = resend.url;
  // The emails' "Open in Fluxor" and "Open in Shopify admin" links go to the stand-in's admin.
  process.env.SHOPIFY_ADMIN_URL ??= standIn.url;

  // Direct contracts pay through the local Stripe stand-in (never Stripe): the SDK reads STRIPE_API_BASE; its signed
  // webhooks reach the app through the tunnel. The second demo shop is such a contract.
  process.env.STRIPE_SECRET_KEY ??= "sk_test_fluxor_local_stand_in";
  process.env.STRIPE_WEBHOOK_SECRET ??= newStripeWebhookSecret();
  process.env.FLUXOR_STRIPE_RAIL_SHOPS ??= STRIPE_DEMO_SHOP;
  const stripe = await startStripeStandIn({
    port: stripePort,
    webhook: { url: `${appConfig.appUrl}/webhooks/stripe`, secret: process.env.STRIPE_WEBHOOK_SECRET },
    // As Fluxor's Stripe account is set (decision 0045): a subscription whose retries all failed is marked unpaid,
    // not cancelled, so paying its open invoice brings it back.
    dunning: { subscriptionAfterFinalFailure: "unpaid" },
  });
  process.env.STRIPE_API_BASE = stripe.url;

  // The operator console with the demo operator (unless the environment names its own operators).
  if (!process.env.FLUXOR_OPS_USERS) {
    process.env.FLUXOR_OPS_USERS = `${DEMO_OPERATOR.user}:${await hashPassword(DEMO_OPERATOR.password, { logN: 14, r: 8, p: 1 })}`;
    process.env.FLUXOR_OPS_SESSION_SECRET ??= randomBytes(32).toString("base64url");
  }

  // Weather and economic indicators come from the local signals stand-in (never Open-Meteo or FRED): the gateway reads
  // each endpoint's base URL from the environment (decision 0057).
  const signals = await startSignalsStandIn({ port: signalsPort });
  for (const [name, value] of Object.entries(signals.env)) process.env[name] ??= value;

  const { startFluxor } = await import("../../app/server/fluxor.server");
  // The tunnel on this host appends the client's address to X-Forwarded-For, as `shopify app dev`'s does (decision 0049).
  process.env.TRUST_PROXY ??= "loopback";
  const fluxor = await startFluxor({ port: appPort, withWorker: options.inlineWorker ?? true, log });
  const tunnel = await startTunnel({ target: fluxor.url, standInUrl: standIn.url, port: tunnelPort });

  return {
    adminUrl: standIn.adminUrl(DEMO_SHOP),
    shops,
    appUrl: tunnel.url,
    standIn,
    resend,
    inboxUrl: resend.inboxUrl,
    stripe,
    signals,
    opsUrl: `${fluxor.url}/ops`,
    install: async (shop = DEMO_SHOP) => {
      const response = await fetch(`${tunnel.url}/app?${standIn.embeddedParams(shop)}`, { redirect: "manual", headers: BROWSER_HEADERS });
      if (response.status !== 200) throw new Error(`installing into ${shop} failed: HTTP ${response.status}`);
    },
    close: async () => {
      // The stand-ins first: a bulk download, Admin call or email send in flight fails at once, so the
      // worker's running job ends instead of holding the shutdown until it is done.
      await standIn.close();
      await resend.close();
      await stripe.close();
      await signals.close();
      await fluxor.close();
      await tunnel.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** The URL the admin opens in its iframe, with a given session token (tests forge tokens with it). */
export function embeddedAppUrl(appUrl: string, shop: string, idToken: string, appPath = "/app"): string {
  const handle = shop.replace(/\.myshopify\.com$/, "");
  const url = new URL(appPath, appUrl);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${handle}`).toString("base64url"));
  url.searchParams.set("id_token", idToken);
  url.searchParams.set("locale", "en");
  url.searchParams.set("shop", shop);
  return url.toString();
}
