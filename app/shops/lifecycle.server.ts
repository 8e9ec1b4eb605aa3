/**
 * The shop lifecycle: install, re-install, uninstall, erase (shop/redact), shop details.
 * Every function takes the shop's domain and touches only that shop's rows.
 */
import { prisma } from "../db/prisma.server";
import { audit } from "../auth/audit.server";
import { pool } from "../db/pool.server";
import { billingOpenJob } from "../jobs/contracts/billing";
import { shopSyncInfoJob } from "../jobs/contracts/shops";
import { syncInitialJob } from "../jobs/contracts/sync";
import { addJob } from "../jobs/queue.server";
import type { ShopDetails } from "./shop-info";
import { matchLocale } from "../i18n/i18n";

export type InstallOutcome = "install" | "reinstall" | "login";

/**
 * Called after Shopify granted us a token. Returns what it was: a first install, a re-install, or a
 * new token for an installed shop. Safe when two requests exchange tokens at once (the admin loads a
 * page's loaders in parallel): the shop's row is locked first, so exactly one of them sees "install" or
 * "reinstall". (One statement that read the previous state in a CTE saw the row after its own update, so
 * a re-install was taken for a login and its sync was never restarted.)
 */
export async function recordAuthorization(domain: string, scopes: string): Promise<InstallOutcome> {
  return prisma().$transaction(async (tx) => {
    const [before] = await tx.$queryRaw<{ installState: string }[]>`
      SELECT "installState"::text AS "installState" FROM "Shop" WHERE domain = ${domain} FOR NO KEY UPDATE`;
    const [row] = await tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO "Shop" (id, domain, scopes, "installState", "installedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${domain}, ${scopes}, 'INSTALLED', now(), now())
      ON CONFLICT (domain) DO UPDATE SET
        scopes = EXCLUDED.scopes,
        "installState" = 'INSTALLED',
        "installedAt" = CASE WHEN "Shop"."installState" = 'UNINSTALLED' THEN now() ELSE "Shop"."installedAt" END,
        "uninstalledAt" = NULL,
        "updatedAt" = now()
      RETURNING (xmax = 0) AS inserted`;
    if (row?.inserted) return "install";
    return before?.installState === "UNINSTALLED" ? "reinstall" : "login";
  });
}

/**
 * The login hook (app/shopify.server.ts afterAuth): Shopify handed us a new offline token. Records the
 * install, audits it, refreshes the shop's details and, on a first install or a re-install, starts the
 * store sync and opens the billing account (Fluxor's trial starts at the first install only).
 */
export async function onAuthorized(domain: string, scopes: string): Promise<InstallOutcome> {
  const outcome = await recordAuthorization(domain, scopes);
  await audit({ event: outcome, outcome: "success", shopDomain: domain, detail: { scopes } });
  await addJob(pool(), shopSyncInfoJob, { shop: domain });
  if (outcome !== "login") {
    await addJob(pool(), syncInitialJob, { shop: domain });
    await addJob(pool(), billingOpenJob, { shop: domain });
  }
  return outcome;
}

/** app/uninstalled: the token is dead; forget it and remember that the shop left (data is kept until shop/redact). */
export async function markUninstalled(domain: string, at: Date = new Date()): Promise<void> {
  await prisma().$transaction([
    prisma().session.deleteMany({ where: { shop: domain } }),
    prisma().shop.updateMany({ where: { domain }, data: { installState: "UNINSTALLED", uninstalledAt: at } }),
  ]);
}

/** app/scopes_update: the merchant granted or revoked scopes. */
export async function updateScopes(domain: string, scopes: string[]): Promise<void> {
  const scope = scopes.join(",");
  await prisma().$transaction([
    prisma().session.updateMany({ where: { shop: domain }, data: { scope } }),
    prisma().shop.updateMany({ where: { domain }, data: { scopes: scope } }),
  ]);
}

/** What an erasure did: deleted the shop's rows, or kept them because the shop was installed again after the request. */
export type EraseOutcome = "erased" | "kept_reinstalled";

/** Erasing a large shop takes seconds to a minute (millions of order and demand rows). */
const ERASE_TIMEOUT_MS = 10 * 60_000;

/**
 * shop/redact (48 hours after uninstall): delete every row that belongs to the shop, in one transaction.
 * Run by the `shop.erase` job (app/shops/tasks.server.ts), not in the webhook: Shopify waits 5 s for
 * an answer. Tables added by later domains must be added here; tests/integration/shop-001.test.ts checks
 * that no table with a shop column keeps a row of the shop.
 *
 * Its first statement locks the shop's row FOR UPDATE. Every job that writes the shop's rows holds a
 * key-share lock on that row for its whole transaction (app/db/pool.server.ts shopTransaction), so the
 * erasure waits for writes in flight and later ones find the shop gone: no deadlock (both sides lock the
 * shop row first) and no row written behind the erasure (decision 0035, tests/integration/shop-erase.test.ts).
 *
 * A shop installed again after the request (`requestedAt`) is a new install of the merchant's: it is kept.
 */
export async function eraseShop(domain: string, requestedAt?: Date): Promise<EraseOutcome> {
  const outcome = await prisma().$transaction(
    async (tx) => {
      const [shop] = await tx.$queryRaw<{ id: string; installState: string; installedAt: Date }[]>`
        SELECT id, "installState"::text AS "installState", "installedAt" FROM "Shop" WHERE domain = ${domain} FOR UPDATE`;
      if (shop && requestedAt && shop.installState === "INSTALLED" && shop.installedAt > requestedAt) return "kept_reinstalled" as const;
      const where = { shopId: shop?.id ?? "00000000-0000-0000-0000-000000000000" };
      await tx.session.deleteMany({ where: { shop: domain } });
      await tx.rateLimitBucket.deleteMany({ where: { key: { startsWith: `shop:${domain}:` } } });
      // Store sync (app/sync/): every table keyed by shopId.
      await tx.dailyDemand.deleteMany({ where });
      await tx.refundLine.deleteMany({ where });
      await tx.orderLine.deleteMany({ where });
      await tx.order.deleteMany({ where });
      await tx.inventoryDay.deleteMany({ where });
      await tx.inventoryLevel.deleteMany({ where });
      await tx.productVariant.deleteMany({ where });
      await tx.product.deleteMany({ where });
      await tx.location.deleteMany({ where });
      await tx.webhookEvent.deleteMany({ where });
      await tx.syncRun.deleteMany({ where });
      await tx.apiCircuit.deleteMany({ where });
      // Forecasts and settings (app/forecasts/).
      await tx.variantAdvice.deleteMany({ where });
      await tx.variantForecast.deleteMany({ where });
      await tx.signalUse.deleteMany({ where });
      await tx.forecastSnapshot.deleteMany({ where });
      await tx.forecastRecompute.deleteMany({ where });
      await tx.forecastRun.deleteMany({ where });
      await tx.shopForecastState.deleteMany({ where });
      await tx.productLeadTime.deleteMany({ where });
      await tx.vendorLeadTime.deleteMany({ where });
      await tx.shopSettings.deleteMany({ where });
      // Promotions and campaigns (app/signals/).
      await tx.promotion.deleteMany({ where });
      // External signal sources (app/signals/sources.server.ts): the shop's settings and its encrypted API key.
      await tx.signalSourceSetting.deleteMany({ where });
      await tx.competitorPrice.deleteMany({ where });
      // Alerts and the email log (app/alerts/, app/email/).
      await tx.emailEvent.deleteMany({ where });
      await tx.emailMessage.deleteMany({ where });
      await tx.emailSuppression.deleteMany({ where });
      await tx.alertEpisode.deleteMany({ where });
      await tx.alertNotification.deleteMany({ where });
      await tx.alertSettings.deleteMany({ where });
      // Billing (app/billing/, decision 0045): usage goes; the account is detached from the shop and its
      // append-only ledger is kept, pseudonymous, for the bookkeeping period.
      await tx.usageDay.deleteMany({ where });
      await tx.billingAccount.updateMany({ where, data: { shopId: null } });
      // Read cache (app/shops/cache.server.ts).
      await tx.shopCache.deleteMany({ where });
      await tx.shop.deleteMany({ where: { domain } });
      return "erased" as const;
    },
    { timeout: ERASE_TIMEOUT_MS },
  );
  // The audit trail keeps the fact (no personal data in it).
  await audit({
    event: "shop_redacted",
    outcome: "success",
    shopDomain: domain,
    detail: { result: outcome },
  });
  return outcome;
}

export async function saveShopDetails(domain: string, details: ShopDetails, at: Date = new Date()): Promise<void> {
  await prisma().shop.update({
    where: { domain },
    data: {
      name: details.name,
      email: details.email,
      currencyCode: details.currencyCode,
      ianaTimezone: details.ianaTimezone,
      countryCode: details.countryCode,
      planName: details.planName,
      shopInfoSyncedAt: at,
    },
  });
}

/**
 * Remembers the language the merchant uses Fluxor in (the admin's `?locale=` on a page load), the default
 * language of the shop's emails. Writes only when it changed.
 */
export async function rememberAdminLocale(domain: string, request: Request): Promise<void> {
  const locale = matchLocale(new URL(request.url).searchParams.get("locale"));
  if (!locale) return;
  await prisma().shop.updateMany({
    where: { domain, OR: [{ adminLocale: null }, { adminLocale: { not: locale } }] },
    data: { adminLocale: locale },
  });
}
