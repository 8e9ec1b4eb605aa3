import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvRefusal, csvRefusedResponse, csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";
import { queryFromSearchParams } from "../dashboard/url-state";
import { exportVariantsCsv } from "../forecasts/read.server";

/** `GET /app/variants.csv?…`: the variants list under the same filters, as a streamed CSV file (403 without the plan's CSV export). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const query = queryFromSearchParams(new URL(request.url).searchParams);
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(exportVariantsCsv(shop.id, query), `fluxor-variants-${day}.csv`);
};
