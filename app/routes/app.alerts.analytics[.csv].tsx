import type { LoaderFunctionArgs } from "@remix-run/node";
import { alertLogCsv } from "../alerts/analytics.server";
import { csvRefusal, csvRefusedResponse, csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";

/** `GET /app/alerts/analytics.csv?period=7|30|90`: the email log of the period, one line per email, streamed (403 without the plan's CSV export). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(alertLogCsv(shop, new URL(request.url).searchParams.get("period")), `fluxor-alert-emails-${day}.csv`);
};
