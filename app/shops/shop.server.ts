/**
 * The shop lifecycle: install, re-install, uninstall, erase (shop/redact), shop details.
 * Every function takes the shop's domain and touches only that shop's rows.
 */
import type { PrismaClient } from "@prisma/client";
import { audit } from "../auth/audit.server";
import type { ShopDetails } from "./shop-info";

export type InstallOutcome = "install" | "reinstall" | "login";

/**
 * Called after Shopify granted us a token. Returns what it was: a first install, a re-install, or a
 * new token for an installed shop. One statement, safe when two requests exchange tokens at once
 * (the admin loads a page's loaders in parallel): exactly one of them sees "install".
 */
export async function recordAuthorization(prisma: PrismaClient, domain: string, scopes: string): Promise<InstallOutcome> {
  const [row] = await prisma.$queryRaw<{ inserted: boolean; previous: string | null }[]>`
    WITH previous AS (SELECT "installState" FROM "Shop" WHERE domain = ${domain} FOR NO KEY UPDATE)
    INSERT INTO "Shop" (id, domain, scopes, "installState", "installedAt", "updatedAt")
    VALUES (gen_random_uuid(), ${domain}, ${scopes}, 'INSTALLED', now(), now())
    ON CONFLICT (domain) DO UPDATE SET
      scopes = EXCLUDED.scopes,
      "installState" = 'INSTALLED',
      "installedAt" = CASE WHEN "Shop"."installState" = 'UNINSTALLED' THEN now() ELSE "Shop"."installedAt" END,
      "uninstalledAt" = NULL,
      "updatedAt" = now()
    RETURNING (xmax = 0) AS inserted, (SELECT "installState"::text FROM previous) AS previous`;
  if (row?.inserted) return "install";
  return row?.previous === "UNINSTALLED" ? "reinstall" : "login";
}

/** app/uninstalled: the token is dead; forget it and remember that the shop left (data is kept until shop/redact). */
export async function markUninstalled(prisma: PrismaClient, domain: string, at: Date = new Date()): Promise<void> {
  await prisma.$transaction([
    prisma.session.deleteMany({ where: { shop: domain } }),
    prisma.shop.updateMany({ where: { domain }, data: { installState: "UNINSTALLED", uninstalledAt: at } }),
  ]);
}

/** app/scopes_update: the merchant granted or revoked scopes. */
export async function updateScopes(prisma: PrismaClient, domain: string, scopes: string[]): Promise<void> {
  const scope = scopes.join(",");
  await prisma.$transaction([
    prisma.session.updateMany({ where: { shop: domain }, data: { scope } }),
    prisma.shop.updateMany({ where: { domain }, data: { scopes: scope } }),
  ]);
}

/**
 * shop/redact (48 hours after uninstall): delete every row that belongs to the shop, in one transaction.
 * Tables added by later domains must be added here; tests/integration/shop-001.test.ts checks that no
 * table with a shop column keeps a row of the shop.
 *
 * Its first statement locks the shop's row FOR UPDATE. Every job that writes the shop's rows holds a
 * key-share lock on that row for its whole transaction (app/sync/db.server.ts shopTransaction), so the
 * erasure waits for writes in flight and later ones find the shop gone: no deadlock (both sides lock the
 * shop row first) and no row written behind the erasure. tests/integration/shop-erase.test.ts.
 */
export async function eraseShop(prisma: PrismaClient, domain: string): Promise<void> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { id: true } });
  const where = { shopId: shop?.id ?? "00000000-0000-0000-0000-000000000000" };
  await prisma.$transaction([
    prisma.$queryRaw`SELECT 1 FROM "Shop" WHERE domain = ${domain} FOR UPDATE`,
    prisma.session.deleteMany({ where: { shop: domain } }),
    prisma.rateLimitBucket.deleteMany({ where: { key: { startsWith: `shop:${domain}:` } } }),
    // Store sync (app/sync/): every table keyed by shopId.
    prisma.dailyDemand.deleteMany({ where }),
    prisma.refundLine.deleteMany({ where }),
    prisma.orderLine.deleteMany({ where }),
    prisma.order.deleteMany({ where }),
    prisma.inventoryDay.deleteMany({ where }),
    prisma.inventoryLevel.deleteMany({ where }),
    prisma.productVariant.deleteMany({ where }),
    prisma.product.deleteMany({ where }),
    prisma.location.deleteMany({ where }),
    prisma.webhookEvent.deleteMany({ where }),
    prisma.syncRun.deleteMany({ where }),
    prisma.apiCircuit.deleteMany({ where }),
    prisma.stockChange.deleteMany({ where }),
    // Forecasts and settings (app/forecasts/).
    prisma.variantAdvice.deleteMany({ where }),
    prisma.variantForecast.deleteMany({ where }),
    prisma.forecastSnapshot.deleteMany({ where }),
    prisma.forecastRecompute.deleteMany({ where }),
    prisma.forecastRun.deleteMany({ where }),
    prisma.shopForecastState.deleteMany({ where }),
    prisma.productLeadTime.deleteMany({ where }),
    prisma.vendorLeadTime.deleteMany({ where }),
    prisma.shopSettings.deleteMany({ where }),
    // Read cache (app/shops/cache.server.ts).
    prisma.shopCache.deleteMany({ where }),
    prisma.shop.deleteMany({ where: { domain } }),
  ]);
  // The audit trail keeps the fact that the erasure happened (no personal data in it).
  await audit(prisma, { event: "shop_redacted", outcome: "success", shopDomain: domain });
}

export async function saveShopDetails(prisma: PrismaClient, domain: string, details: ShopDetails, at: Date = new Date()): Promise<void> {
  await prisma.shop.update({
    where: { domain },
    data: {
      name: details.name,
      currencyCode: details.currencyCode,
      ianaTimezone: details.ianaTimezone,
      countryCode: details.countryCode,
      planName: details.planName,
      shopInfoSyncedAt: at,
    },
  });
}

export function findShop(prisma: PrismaClient, domain: string) {
  return prisma.shop.findUnique({ where: { domain } });
}
