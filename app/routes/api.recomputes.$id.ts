/**
 * GET /api/recomputes/:id — the status of an on-demand recompute of the session's shop (the API: decision 0047):
 * queued, completed, failed or timed_out, and `started` (a timed_out one that never started did not count against
 * the daily limit). Reading it also expires a recompute the queue did not start within its budget.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { apiRoute, json, notFound, parseOr400 } from "../forecasts/api.server";
import { getRecompute } from "../forecasts/recompute.server";

const ROUTE = "api.recomputes";
const API = { feature: "api" } as const;

export const loader = ({ request, params }: LoaderFunctionArgs) =>
  apiRoute(
    request,
    ROUTE,
    async ({ shopId }) => {
      const id = parseOr400(z.uuid(), params.id, "recompute id");
      if (!id.ok) return id.response;
      const view = await getRecompute(shopId, id.data);
      return view ? json(view, 200, { "Cache-Control": "no-store" }) : notFound("recompute not found");
    },
    API,
  );

export const action = ({ request }: ActionFunctionArgs) =>
  apiRoute(request, ROUTE, async () => json({ error: "method not allowed" }, 405, { Allow: "GET, OPTIONS" }));
