import type { LoaderFunctionArgs } from "@remix-run/node";
import { usageCsv } from "../billing/page.server";
import { csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";

/** `GET /app/billing.csv`: the shop's usage of the last 90 days (the billing page's chart), one line per day, streamed; it reads no parameter. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(request, usageCsv(shop), `fluxor-usage-${day}.csv`);
};
