/** What the overview page loads: the shop, its forecast summary and the state of the store sync. */
import db from "../db.server";
import { getForecastOverview } from "../forecasts/read.server";
import type { ForecastOverview } from "../forecasts/contract";
import { loadShopOverview, type ShopOverview } from "../shops/overview.server";
import { syncPool } from "../sync/db.server";
import { loadSyncStatus } from "../sync/status.server";
import type { CurrentShop } from "./shop.server";

export interface SyncSummary {
  /** "running" | "completed" | "failed" | … of the latest initial sync; null before one started. */
  status: string | null;
  finishedAt: string | null;
  orders: number;
  variants: number;
  failedWebhooks: number;
}

export interface OverviewData {
  shop: ShopOverview;
  forecast: ForecastOverview;
  sync: SyncSummary;
}

export async function loadOverview(shop: CurrentShop): Promise<OverviewData> {
  const [overview, forecast, status] = await Promise.all([
    loadShopOverview(db, shop.domain),
    getForecastOverview(shop.id),
    loadSyncStatus(syncPool(), shop.domain, { demandRows: false }),
  ]);
  if (!overview) throw new Response("Shop not found", { status: 404 });
  return {
    shop: overview,
    forecast,
    sync: {
      status: status?.run?.status ?? null,
      finishedAt: status?.lastReconcile?.finishedAt ?? status?.run?.finishedAt ?? null,
      orders: status?.counts.orders ?? 0,
      variants: status?.counts.variants ?? 0,
      failedWebhooks: status?.deadLetters.length ?? 0,
    },
  };
}
