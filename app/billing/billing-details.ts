/**
 * The Stripe rail's billing details, pure: what Stripe holds for the account's customer (billing email, name,
 * address, tax ids with Stripe's verification), as the billing page shows them. Read from Stripe on each visit and
 * never stored by Fluxor (decision 0045: no address or person's name in the ledger); the merchant changes them in
 * Stripe's billing portal.
 */
import type Stripe from "stripe";

export interface BillingAddress {
  line1: string | null;
  line2: string | null;
  postalCode: string | null;
  city: string | null;
  state: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
}

export interface TaxIdDetail {
  /** Stripe's type (`eu_vat`, `gb_vat`, `us_ein`, …). */
  type: string;
  value: string;
  country: string | null;
  /** Stripe's check of the number (the EU's VIES, the UK's HMRC…); null where Stripe does not check that type. */
  verification: Stripe.TaxId.Verification.Status | null;
}

export interface BillingDetails {
  email: string | null;
  /** The business name when the customer gave one (Checkout's tax id step), else the customer's name. */
  name: string | null;
  address: BillingAddress | null;
  /** Newest first, as Stripe lists them. */
  taxIds: TaxIdDetail[];
}

export type StripeCustomerFields = Pick<Stripe.Customer, "email" | "name" | "address" | "business_name">;
export type StripeTaxIdFields = Pick<Stripe.TaxId, "type" | "value" | "country" | "verification">;

export function billingDetails(customer: StripeCustomerFields, taxIds: readonly StripeTaxIdFields[]): BillingDetails {
  const a = customer.address;
  const address: BillingAddress | null = a
    ? { line1: a.line1, line2: a.line2, postalCode: a.postal_code, city: a.city, state: a.state, country: a.country }
    : null;
  return {
    email: customer.email || null,
    name: customer.business_name || customer.name || null,
    address: address && Object.values(address).some((v) => v) ? address : null,
    taxIds: taxIds.map((t) => ({ type: t.type, value: t.value, country: t.country, verification: t.verification?.status ?? null })),
  };
}

/** A tax id's type as people write it: `eu_vat` → "EU VAT", `au_abn` → "AU ABN". */
export function taxIdLabel(type: string): string {
  return type.replace(/_/g, " ").toUpperCase();
}
