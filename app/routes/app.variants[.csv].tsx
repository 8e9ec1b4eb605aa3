import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvParamsRefusedResponse, csvRefusal, csvRefusedResponse, csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";
import { exportQueryFromSearchParams } from "../dashboard/url-state";
import { exportVariantsCsv } from "../forecasts/read.server";

/**
 * `GET /app/variants.csv?…`: the variants list under the same filters, as a streamed CSV file (403 without the plan's
 * CSV export; 400 when a filter is not valid, as the file would otherwise silently leave it out).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const refused = await csvRefusal(shop.id);
  if (refused) return csvRefusedResponse(request, refused);
  const query = exportQueryFromSearchParams(new URL(request.url).searchParams);
  if (!query.ok) return csvParamsRefusedResponse(request, query.issues);
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(request, exportVariantsCsv(shop.id, query.query), `fluxor-variants-${day}.csv`);
};
