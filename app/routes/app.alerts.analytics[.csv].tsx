import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { PERIODS } from "../alerts/analytics";
import { alertLogCsv } from "../alerts/analytics.server";
import { csvRefusal, csvRefusedResponse, csvResponse, parseCsvParams } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";

const Params = z.object({ period: z.enum(PERIODS.map(String)).optional() });

/**
 * `GET /app/alerts/analytics.csv?period=7|30|90`: the email log of the period (30 days without one), one line per
 * email, streamed (403 without the plan's CSV export; 400 for another period).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const params = parseCsvParams(request, Params);
  if (!params.ok) return params.response;
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(request, alertLogCsv(shop, params.data.period ?? null), `fluxor-alert-emails-${day}.csv`);
};
