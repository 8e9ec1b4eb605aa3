import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvParamsRefusedResponse, csvRefusal, csvRefusedResponse, csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";
import { createI18n, localeFromRequest } from "../i18n/i18n";
import { CSV_COLUMNS, NO_LOCATION, type ChannelKey } from "../orders/analytics";
import { ordersCsv, resolveFilter } from "../orders/analytics.server";

/**
 * `GET /app/orders.csv?from=&to=&granularity=&channel=&location=`: the page's figures broken down, one line per period,
 * channel and location, with the column titles, channels and locations in the merchant's language (403 without the
 * plan's CSV export; 400 naming a filter that cannot be used).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const resolved = await resolveFilter(shop, new URL(request.url).searchParams);
  if (!resolved.ok) return csvParamsRefusedResponse(request, resolved.issues);
  const locale = localeFromRequest(request);
  const t = createI18n(locale).getFixedT(locale, "orders");
  const header = CSV_COLUMNS.map((column) => t(`csv.${column}`));
  const labels = {
    channel: (channel: ChannelKey) => t(`channels.${channel}`),
    location: (locationId: string) => (locationId === NO_LOCATION ? t("noLocation") : t("unknownLocation", { id: locationId })),
  };
  const { from, to } = resolved.filter;
  return csvResponse(request, ordersCsv(shop, resolved, header, labels), `fluxor-orders-${from}-${to}.csv`);
};
