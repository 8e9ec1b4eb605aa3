/** A shop's permanent domain, `{handle}.myshopify.com`: the one check, for webhook headers and job payloads. */
import { z } from "zod";

/** At most 255 characters, as any DNS name: a longer header or payload value is refused, not stored or queued. */
export const SHOP_DOMAIN = /^(?=.{1,255}$)[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export const ShopDomain = z.string().regex(SHOP_DOMAIN);
