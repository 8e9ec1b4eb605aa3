/**
 * POST /api/variants/:variantId/recompute — re-forecast one variant now, as a job (30 s budget). 202 with
 * the recompute's id (poll GET /api/recomputes/:id); 429 with Retry-After past 100 per shop per UTC day (one the
 * queue did not start within its budget does not count). Part of the API (the app's pages do not call it): plans
 * without API access answer 403 (decision 0047).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { apiRoute, json, NumericId, parseOr400 } from "../forecasts/api.server";
import { RECOMPUTE_DAILY_LIMIT, requestRecompute } from "../forecasts/recompute.server";

const ROUTE = "api.variants.recompute";
const API = { feature: "api" } as const;

export const action = ({ request, params }: ActionFunctionArgs) =>
  apiRoute(
    request,
    ROUTE,
    async ({ shopId, requestId, log }) => {
      if (request.method !== "POST") return json({ error: "method not allowed" }, 405, { Allow: "POST, OPTIONS" });
      const id = parseOr400(NumericId, params.variantId, "variant id");
      if (!id.ok) return id.response;
      const outcome = await requestRecompute(shopId, id.data, requestId);
      const noStore = { "Cache-Control": "no-store" };
      switch (outcome.kind) {
        case "not_found":
          return json({ error: "variant not found" }, 404, noStore);
        case "limited":
          log("recompute refused: daily limit", { variantId: id.data });
          return json({ error: `at most ${RECOMPUTE_DAILY_LIMIT} recomputes per shop per UTC day` }, 429, {
            ...noStore,
            "Retry-After": String(outcome.retryAfterSeconds),
          });
        case "queued":
          log("recompute queued", { variantId: id.data, recomputeId: outcome.id });
          return json({ id: outcome.id, status: "queued", remainingToday: outcome.remaining }, 202, {
            ...noStore,
            Location: `/api/recomputes/${outcome.id}`,
          });
      }
    },
    API,
  );

export const loader = ({ request }: LoaderFunctionArgs) =>
  apiRoute(request, ROUTE, async () => json({ error: "method not allowed" }, 405, { Allow: "POST, OPTIONS" }));
