/** The Stripe rail's billing details, pure (app/billing/billing-details.ts): a Stripe customer and its tax ids → the card's data. */
import { describe, expect, it } from "vitest";
import { billingDetails, taxIdLabel } from "../../../app/billing/billing-details";

const address = { line1: "Unter den Linden 1", line2: null, postal_code: "10117", city: "Berlin", state: null, country: "DE" };

describe("billing details", () => {
  it("are the customer's email, business name, address and tax ids with Stripe's verification", () => {
    expect(
      billingDetails({ email: "ap@north-fjord.test", name: "Kari Nordmann", business_name: "North Fjord Supply GmbH", address }, [
        {
          type: "eu_vat",
          value: "DE123456789",
          country: "DE",
          verification: { status: "verified", verified_address: null, verified_name: null },
        },
        { type: "us_ein", value: "12-3456789", country: "US", verification: null },
      ]),
    ).toEqual({
      email: "ap@north-fjord.test",
      name: "North Fjord Supply GmbH",
      address: { line1: "Unter den Linden 1", line2: null, postalCode: "10117", city: "Berlin", state: null, country: "DE" },
      taxIds: [
        { type: "eu_vat", value: "DE123456789", country: "DE", verification: "verified" },
        { type: "us_ein", value: "12-3456789", country: "US", verification: null },
      ],
    });
  });

  it("leave out what Stripe does not hold: no business name, an empty email, an address without a field", () => {
    const empty = { line1: null, line2: null, postal_code: null, city: null, state: null, country: null };
    expect(billingDetails({ email: "", name: "Kari Nordmann", address: empty }, [])).toEqual({
      email: null,
      name: "Kari Nordmann",
      address: null,
      taxIds: [],
    });
    expect(billingDetails({ email: null, name: null, address: null }, []).name).toBeNull();
    expect(billingDetails({ email: null, name: null, address: { ...empty, country: "GB" } }, []).address?.country).toBe("GB");
  });

  it("label a tax id's type as people write it", () => {
    expect(taxIdLabel("eu_vat")).toBe("EU VAT");
    expect(taxIdLabel("gb_vat")).toBe("GB VAT");
    expect(taxIdLabel("eu_oss_vat")).toBe("EU OSS VAT");
  });
});
