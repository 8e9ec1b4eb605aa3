/** The Admin GraphQL query for the shop's own details, and the zod schema its answer must pass. */
import { z } from "zod";

export const SHOP_INFO_QUERY = `#graphql
  query FluxorShopInfo {
    shop {
      name
      email
      myshopifyDomain
      currencyCode
      ianaTimezone
      billingAddress { countryCodeV2 }
      plan { publicDisplayName partnerDevelopment shopifyPlus }
    }
  }`;

export const ShopInfoResponse = z.object({
  data: z.object({
    shop: z.object({
      name: z.string().min(1),
      email: z.string(),
      myshopifyDomain: z.string(),
      currencyCode: z.string().regex(/^[A-Z]{3}$/),
      ianaTimezone: z.string().min(1),
      billingAddress: z
        .object({
          countryCodeV2: z
            .string()
            .regex(/^[A-Z]{2}$/)
            .nullable(),
        })
        .nullable(),
      plan: z.object({ publicDisplayName: z.string(), partnerDevelopment: z.boolean(), shopifyPlus: z.boolean() }),
    }),
  }),
});

export interface ShopDetails {
  name: string;
  /** The shop owner's address, or null when Shopify's answer is not a valid address. */
  email: string | null;
  currencyCode: string;
  ianaTimezone: string;
  countryCode: string | null;
  planName: string;
}

export function toShopDetails(response: z.infer<typeof ShopInfoResponse>): ShopDetails {
  const { shop } = response.data;
  return {
    name: shop.name,
    email: z.email().safeParse(shop.email.trim()).success ? shop.email.trim().toLowerCase() : null,
    currencyCode: shop.currencyCode,
    ianaTimezone: shop.ianaTimezone,
    countryCode: shop.billingAddress?.countryCodeV2 ?? null,
    planName: shop.plan.publicDisplayName,
  };
}
