/**
 * The app's configuration as Shopify holds it: read from shopify.app.toml (the deployed config),
 * with the secrets and the dev URL supplied by the caller.
 */
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

export interface WebhookSubscription {
  topic: string;
  uri: string;
  /** A mandatory privacy (compliance) topic. */
  compliance: boolean;
}

export interface AppConfig {
  apiKey: string;
  apiSecret: string;
  /** Where the app lives (the tunnel URL in dev); the admin iframes `appUrl + path`. */
  appUrl: string;
  handle: string;
  name: string;
  scopes: string[];
  /** Extra allowed OAuth redirect URLs besides anything under `appUrl`. */
  redirectUrls: string[];
  /** The webhook API version (X-Shopify-API-Version). */
  apiVersion: string;
  subscriptions: WebhookSubscription[];
}

const TomlSchema = z.object({
  client_id: z.string(),
  name: z.string().optional(),
  handle: z.string().optional(),
  application_url: z.string(),
  access_scopes: z.object({ scopes: z.string().optional() }).optional(),
  auth: z.object({ redirect_urls: z.array(z.string()).optional() }).optional(),
  webhooks: z
    .object({
      api_version: z.string().optional(),
      subscriptions: z
        .array(
          z.object({
            topics: z.array(z.string()).optional(),
            compliance_topics: z.array(z.string()).optional(),
            uri: z.string(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export function parseScopes(scopes: string): string[] {
  return scopes
    .split(",")
    .map((scope) => scope.trim())
    .filter(Boolean);
}

/**
 * Reads shopify.app.toml the way Shopify reads a deployed configuration: client_id → apiKey (unless
 * overridden), scopes, redirect URLs, the webhook API version and every subscription (incl. compliance_topics).
 */
export function loadAppConfig(tomlPath: string, overrides: Partial<AppConfig> & { apiSecret: string }): AppConfig {
  const toml = TomlSchema.parse(parseToml(readFileSync(tomlPath, "utf8")));
  const subscriptions = (toml.webhooks?.subscriptions ?? []).flatMap((subscription) => [
    ...(subscription.topics ?? []).map((topic) => ({ topic, uri: subscription.uri, compliance: false })),
    ...(subscription.compliance_topics ?? []).map((topic) => ({ topic, uri: subscription.uri, compliance: true })),
  ]);
  return {
    apiKey: toml.client_id,
    appUrl: toml.application_url,
    handle: toml.handle ?? "app",
    name: toml.name ?? toml.handle ?? "App",
    scopes: parseScopes(toml.access_scopes?.scopes ?? ""),
    redirectUrls: toml.auth?.redirect_urls ?? [],
    apiVersion: toml.webhooks?.api_version ?? "2025-10",
    subscriptions,
    ...overrides,
  };
}
