/**
 * What every email of a shop carries: the shop, its branding, the recipient and the signed links. The
 * Fluxor links open the app inside the Shopify admin (`<admin>/store/<handle>/apps/<client id>/app/…`);
 * SHOPIFY_ADMIN_URL (default https://admin.shopify.com) points them at a local admin in the demo.
 */
import { fluxorAdminUrl, shopifyAdminUrl } from "../email/admin-urls.server";
import type { EmailContentInput } from "../email/model";
import { recipientLinks } from "../email/signed-links.server";
import type { Shop } from "../shops/lookup.server";
import type { AlertSettings } from "./rules";

// Defined in app/email (below app/alerts and app/billing, which both build admin links).
export { fluxorAdminUrl, shopifyAdminUrl };

type Envelope = Pick<Extract<EmailContentInput, { template: "out_of_stock" }>, "shop" | "branding" | "recipient" | "generatedAt" | "links">;

/** The language of a shop's emails: the alert settings' choice, else the language the merchant uses Fluxor in. */
export function emailLocale(settings: AlertSettings, shop: Shop): string {
  return settings.locale ?? shop.adminLocale ?? "en";
}

export function envelope(shop: Shop, settings: AlertSettings, recipient: string, now: Date): Envelope {
  const links = recipientLinks(shop.id, recipient);
  return {
    shop: {
      name: shop.name ?? shop.domain,
      domain: shop.domain,
      currency: shop.currency ?? "USD",
      locale: emailLocale(settings, shop),
      countryCode: shop.country,
      timezone: shop.timezone,
    },
    branding: {
      senderName: settings.branding.senderName ?? shop.name ?? "Fluxor",
      logoUrl: settings.branding.logoUrl,
      accentColor: settings.branding.accentColor,
    },
    recipient,
    generatedAt: now.toISOString(),
    links: {
      fluxorBaseUrl: fluxorAdminUrl(shop.domain),
      shopifyAdminUrl: shopifyAdminUrl(),
      preferencesUrl: links.preferences,
      unsubscribeUrl: links.unsubscribe,
    },
  };
}
