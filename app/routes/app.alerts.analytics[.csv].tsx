import type { LoaderFunctionArgs } from "@remix-run/node";
import { alertLogCsv } from "../alerts/analytics.server";
import { csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";

/** `GET /app/alerts/analytics.csv?period=7|30|90`: the email log of the period, one line per email, streamed. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(alertLogCsv(shop, new URL(request.url).searchParams.get("period")), `fluxor-alert-emails-${day}.csv`);
};
