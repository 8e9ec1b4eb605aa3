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
}

export async function loadShopOverview(prisma: PrismaClient, domain: string): Promise<ShopOverview | null> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return null;
  const detailsDone = shop.shopInfoSyncedAt !== null;
  // The store sync's latest initial run (app/sync/initial-sync.server.ts): phases done so far.
  const run = await prisma.syncRun.findFirst({ where: { shopId: shop.id, kind: "initial" }, orderBy: { startedAt: "desc" } });
  const phases = (run?.phases ?? {}) as Record<string, { state?: string } | undefined>;
  const phaseState = (names: string[]): NextStep["state"] =>
    names.every((name) => phases[name]?.state === "done") ? "done" : run?.status === "running" ? "running" : "waiting";
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
      { key: "shop-details", state: detailsDone ? "done" : "running" },
      { key: "catalog", state: phaseState(["locations", "products", "inventory"]) },
      { key: "orders", state: phaseState(["orders", "demand"]) },
      { key: "forecasts", state: "waiting" },
    ],
  };
}
