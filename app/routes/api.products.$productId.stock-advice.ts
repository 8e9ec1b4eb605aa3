/** GET /api/products/:productId/stock-advice — the admin block's data (StockAdviceResponse, app/api/stock-advice.ts). */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiRoute, cachedJson, etagOf, json, NumericId, parseOr400 } from "../forecasts/api.server";
import { getProductStockAdvice } from "../forecasts/stock-advice.server";
import { currentRun } from "../forecasts/store.server";

const ROUTE = "api.products.stock-advice";

export const loader = ({ request, params }: LoaderFunctionArgs) =>
  apiRoute(request, ROUTE, async ({ shopId }) => {
    const id = parseOr400(NumericId, params.productId, "product id");
    if (!id.ok) return id.response;
    const run = await currentRun(shopId);
    const etag = etagOf(run?.runId ?? "none", run?.version ?? "0", "product", id.data);
    return cachedJson(request, etag, () => getProductStockAdvice(shopId, id.data));
  });

export const action = ({ request }: ActionFunctionArgs) =>
  apiRoute(request, ROUTE, async () => json({ error: "method not allowed" }, 405, { Allow: "GET, OPTIONS" }));
