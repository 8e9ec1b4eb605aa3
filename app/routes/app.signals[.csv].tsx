import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { csvRefusal, csvRefusedResponse, csvResponse, parseCsvParams } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";
import { IMPACT_SIGNALS } from "../signals/impact";
import { impactCsv } from "../signals/impact.server";

const Params = z.object({ signal: z.enum(IMPACT_SIGNALS).optional() });

/**
 * `GET /app/signals.csv[?signal=…]`: every signal decision of the current forecast run (or one signal's), one line per
 * product variant and signal, streamed (403 without the plan's CSV export; 400 for an unknown signal).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const params = parseCsvParams(request, Params);
  if (!params.ok) return params.response;
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(request, impactCsv(shop, params.data.signal ?? null), `fluxor-signal-impact-${day}.csv`);
};
