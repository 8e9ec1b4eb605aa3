import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { EncryptedSessionStorage } from "./auth/encrypted-session-storage.server";
import { SHOPIFY_BILLING } from "./billing/shopify-plans";
import { keyRingFromEnv } from "./auth/token-cipher.server";
import { prisma } from "./db/prisma.server";
import { onAuthorized } from "./shops/lifecycle.server";

const API_VERSION = ApiVersion.October25;

const sessionStorage = new EncryptedSessionStorage(new PrismaSessionStorage(prisma()), keyRingFromEnv);

const config = {
  apiKey: process.env.SHOPIFY_API_KEY,
  apiSecretKey: process.env.SHOPIFY_API_SECRET || "",
  apiVersion: API_VERSION,
  scopes: process.env.SCOPES?.split(","),
  appUrl: process.env.SHOPIFY_APP_URL || "",
  authPathPrefix: "/auth",
  sessionStorage,
  distribution: AppDistribution.AppStore,
  // The Shopify rail's plans (app/billing/, decision 0045).
  billing: SHOPIFY_BILLING,
  logger: { level: process.env.SHOPIFY_LOG_LEVEL === "debug" ? LogSeverity.Debug : LogSeverity.Warning },
  hooks: {
    // Runs whenever Shopify hands us a new offline token: on install, re-install and token refresh.
    afterAuth: async ({ session }) => {
      await onAuthorized(session.shop, session.scope ?? "");
    },
  },
  ...(process.env.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [process.env.SHOP_CUSTOM_DOMAIN] } : {}),
} satisfies Omit<Parameters<typeof shopifyApp>[0], "future">;

/** The app as Shopify installs it today: managed installation and token exchange in the embedded admin. */
const shopify = shopifyApp({ ...config, future: { unstable_newEmbeddedAuthStrategy: true } });

/**
 * The authorization-code grant (OAuth redirect flow), for installs that start outside the admin, e.g.
 * from /auth/login or an install link. Same storage and hooks; used only by the routes under /auth.
 */
export const authCodeFlow = shopifyApp({ ...config, future: { unstable_newEmbeddedAuthStrategy: false } });

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = authCodeFlow.login;
