/**
 * app/billing/notices.server.ts cannot import app/alerts (an import cycle through app/shopify.server.ts), so it
 * reads the email language and branding of the alert settings with its own schema: it must give the billing
 * notices the same shop, language and branding as the alert emails' envelope, and the admin links must match.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as Envelope from "../../app/alerts/envelope.server";
import { AlertSettings } from "../../app/alerts/rules";
import type * as Notices from "../../app/billing/notices.server";
import type { Shop } from "../../app/shops/lookup.server";

let envelope: typeof Envelope;
let notices: typeof Notices;

beforeAll(async () => {
  process.env.SHOPIFY_API_SECRET = "notices-unit-test-secret";
  process.env.SHOPIFY_API_KEY = "fluxor-key";
  process.env.SHOPIFY_ADMIN_URL = "https://admin.example.test/";
  envelope = await import("../../app/alerts/envelope.server");
  notices = await import("../../app/billing/notices.server");
});

const shop: Shop = {
  id: "9b0f7a8e-4a39-4d5c-9a51-2d7f3f1f0c11",
  domain: "acme-goods.myshopify.com",
  name: "Acme Goods",
  timezone: "Europe/Madrid",
  country: "ES",
  currency: "EUR",
  planName: "basic",
  email: "owner@acme.test",
  adminLocale: "fr",
  scopes: "",
  installed: true,
  installedAt: "2026-01-01T00:00:00.000Z",
  detailsSyncedAt: null,
  detailsReady: true,
  yesterday: "2026-03-01",
};

/** What app/alerts' loadAlertSettings makes of a stored config. */
function alertSettings(config: unknown): AlertSettings {
  const parsed = AlertSettings.safeParse(config);
  return parsed.success ? parsed.data : AlertSettings.parse({});
}

describe("billing notices' envelope", () => {
  it.each([
    ["no settings", {}],
    ["a language", { locale: "es" }],
    ["branding", { branding: { senderName: "Acme", logoUrl: "https://cdn.example.test/logo.png", accentColor: "#AbC" } }],
    ["both, and alert rules", { locale: "en", branding: { accentColor: "#1a6b3c" }, deliveryHour: 9 }],
  ])("matches the alert emails' shop, language and branding with %s", (_, config) => {
    const now = new Date("2026-03-02T09:00:00Z");
    const alerts = envelope.envelope(shop, alertSettings(config), "owner@acme.test", now);
    const billing = notices.noticeEnvelope(shop, notices.EmailPreferences.parse(config), "owner@acme.test", now);
    expect(billing).toEqual({ shop: alerts.shop, branding: alerts.branding, recipient: alerts.recipient, generatedAt: alerts.generatedAt });
  });

  it("falls back to the admin language, then English, and ignores invalid fields", () => {
    const now = new Date();
    const parse = (config: unknown) => notices.EmailPreferences.parse(config);
    expect(notices.noticeEnvelope(shop, parse({ locale: "de" }), "o@acme.test", now).shop.locale).toBe("fr");
    expect(notices.noticeEnvelope({ ...shop, adminLocale: null }, parse({}), "o@acme.test", now).shop.locale).toBe("en");
    const odd = parse({ branding: { senderName: "", logoUrl: "http://insecure.test/l.png", accentColor: "red" } });
    expect(odd.branding).toEqual({ senderName: null, logoUrl: null, accentColor: null });
    expect(notices.noticeEnvelope(shop, odd, "o@acme.test", now).branding.senderName).toBe("Acme Goods");
    // A config that is not an object at all: loadEmailPreferences falls back to the defaults.
    expect(notices.EmailPreferences.safeParse("not an object").success).toBe(false);
  });

  it("links to the same admin as the alerts: Fluxor's billing page and the shop's Shopify bill", () => {
    expect(notices.fluxorBillingUrl(shop.domain)).toBe(`${envelope.fluxorAdminUrl(shop.domain)}/app/billing`);
    expect(notices.fluxorBillingUrl(shop.domain)).toBe("https://admin.example.test/store/acme-goods/apps/fluxor-key/app/billing");
    expect(notices.shopifyBillingUrl(shop.domain)).toBe("https://admin.example.test/store/acme-goods/settings/billing");
  });
});
