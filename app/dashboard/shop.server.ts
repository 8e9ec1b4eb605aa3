/** The current shop for the dashboard's loaders and actions: authenticated, then looked up by domain. */
import db from "../db.server";
import { authenticate } from "../shopify.server";

export interface CurrentShop {
  id: string;
  domain: string;
  currencyCode: string | null;
  countryCode: string | null;
  ianaTimezone: string | null;
}

const SELECT = { id: true, domain: true, currencyCode: true, countryCode: true, ianaTimezone: true } as const;

/** Authenticates the admin request and returns its shop, or null while the shop's row does not exist yet. */
export async function currentShop(request: Request): Promise<CurrentShop | null> {
  const { session } = await authenticate.admin(request);
  return db.shop.findUnique({ where: { domain: session.shop }, select: SELECT });
}

/** Authenticates the admin request and returns its shop; 404 when the shop row is missing. */
export async function requireShop(request: Request): Promise<CurrentShop> {
  const shop = await currentShop(request);
  if (!shop) throw new Response("Shop not found", { status: 404 });
  return shop;
}
