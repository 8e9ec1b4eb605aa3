/** What the home page shows about the current shop; read for one shop only. */
import type { PrismaClient } from "@prisma/client";

export interface ShopOverview {
  domain: string;
  name: string | null;
  currencyCode: string | null;
  ianaTimezone: string | null;
  countryCode: string | null;
  planName: string | null;
  installedAt: string;
  detailsSyncedAt: string | null;
  nextSteps: NextStep[];
}

export interface NextStep {
  key: "shop-details" | "catalog" | "orders" | "forecasts";
  state: "done" | "running" | "waiting";
  label: string;
}

export async function loadShopOverview(prisma: PrismaClient, domain: string): Promise<ShopOverview | null> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return null;
  const detailsDone = shop.shopInfoSyncedAt !== null;
  return {
    domain: shop.domain,
    name: shop.name,
    currencyCode: shop.currencyCode,
    ianaTimezone: shop.ianaTimezone,
    countryCode: shop.countryCode,
    planName: shop.planName,
    installedAt: shop.installedAt.toISOString(),
    detailsSyncedAt: shop.shopInfoSyncedAt?.toISOString() ?? null,
    nextSteps: [
      { key: "shop-details", state: detailsDone ? "done" : "running", label: "Read the shop's name, currency, time zone and plan" },
      { key: "catalog", state: "waiting", label: "Sync locations, products, variants and stock per location" },
      { key: "orders", state: "waiting", label: "Import 24 months of orders for demand history" },
      { key: "forecasts", state: "waiting", label: "Forecast demand for every variant, nightly" },
    ],
  };
}
