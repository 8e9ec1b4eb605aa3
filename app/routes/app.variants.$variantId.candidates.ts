/**
 * `GET /app/variants/:variantId/candidates?location=…`: the variant's candidate overlay for the chart (the best few
 * candidate models' forecasts, computed on demand and cached per run: app/forecasts/candidates.server.ts, decision
 * 0054). The variant page fetches it when the merchant turns the overlay on. 404 for a variant that is not the shop's
 * (or has no forecast), 400 for a malformed location.
 */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { DbId, LocationId } from "../api/params";
import { requireShop } from "../dashboard/shop.server";
import { candidateOverlay } from "../forecasts/candidates.server";

const OverlayQuery = z.object({ location: LocationId.default("0") });
const PRIVATE = { "Cache-Control": "private, no-store" };

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const id = DbId.safeParse(params.variantId);
  if (!id.success) return json({ error: "not found" } as const, { status: 404, headers: PRIVATE });
  const query = OverlayQuery.safeParse({ location: new URL(request.url).searchParams.get("location") ?? undefined });
  if (!query.success) return json({ error: "bad location" } as const, { status: 400, headers: PRIVATE });
  const overlay = await candidateOverlay(shop.id, id.data, query.data.location);
  if (!overlay) return json({ error: "not found" } as const, { status: 404, headers: PRIVATE });
  return json(overlay, { headers: PRIVATE });
};
