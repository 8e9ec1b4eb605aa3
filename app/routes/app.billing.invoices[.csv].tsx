import type { LoaderFunctionArgs } from "@remix-run/node";
import { invoicesCsv } from "../billing/page.server";
import { csvResponse } from "../dashboard/csv-response.server";
import { requireShop } from "../dashboard/shop.server";

/**
 * `GET /app/billing/invoices.csv`: the shop's invoices, one line each, newest first: Stripe's on the Stripe rail, the
 * charges recorded from Shopify on the Shopify rail. 503 while Stripe cannot be reached (the page says to try again). It reads
 * no parameter.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const lines = await invoicesCsv(shop);
  if (!lines)
    return Response.json(
      { error: "stripe_unavailable" },
      { status: 503, headers: { "Cache-Control": "private, no-store", "Retry-After": "60", "X-Content-Type-Options": "nosniff" } },
    );
  const day = new Date().toISOString().slice(0, 10);
  return csvResponse(request, lines, `fluxor-invoices-${day}.csv`);
};
