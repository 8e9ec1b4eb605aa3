/**
 * GET /api/variants/:variantId/forecast?from&to&location — a variant's stored forecast (VariantForecastDetail).
 * Part of the read API: plans without API access answer 403 (decision 0047).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiRoute, cachedJson, etagOf, json, NumericId, parseOr400, searchParamsOf } from "../forecasts/api.server";
import { ForecastRangeQuery } from "../forecasts/contract";
import { getVariantForecast } from "../forecasts/read.server";
import { currentRun } from "../forecasts/store.server";

const ROUTE = "api.variants.forecast";
const API = { feature: "api" } as const;

export const loader = ({ request, params }: LoaderFunctionArgs) =>
  apiRoute(
    request,
    ROUTE,
    async ({ shopId }) => {
      const id = parseOr400(NumericId, params.variantId, "variant id");
      if (!id.ok) return id.response;
      const range = parseOr400(ForecastRangeQuery, searchParamsOf(request), "query");
      if (!range.ok) return range.response;
      const run = await currentRun(shopId);
      if (!run) return json({ error: "no forecast yet" }, 404, { "Cache-Control": "no-store" });
      const etag = etagOf(run.runId, run.version, id.data, JSON.stringify(range.data));
      return cachedJson(request, etag, () => getVariantForecast(shopId, id.data, range.data));
    },
    API,
  );

/** Only CORS preflights (answered by authenticate.admin); other methods are refused. */
export const action = ({ request }: ActionFunctionArgs) =>
  apiRoute(request, ROUTE, async () => json({ error: "method not allowed" }, 405, { Allow: "GET, OPTIONS" }));
