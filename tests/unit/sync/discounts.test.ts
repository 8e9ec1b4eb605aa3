/**
 * Discounts and marketing activities from the Admin API → Promotion rows (app/sync/discounts.ts, decision 0055):
 * every discount type, days in the shop's time zone (summer and winter, midnight ends, open-ended), collections
 * resolved to their products, and a bad node refused with a message that names it.
 */
import { describe, expect, it } from "vitest";
import {
  discountExternalId,
  DiscountNodeRecord,
  DiscountPayload,
  hasScope,
  lastShopDay,
  MarketingEventRecord,
  promotionFromDiscount,
  promotionFromMarketingEvent,
  rejection,
  shopDay,
  targetsOf,
} from "../../../app/sync/discounts";

const LONDON = "Europe/London";
const page = (ids: string[], more = false) => ({
  nodes: ids.map((id) => ({ id })),
  pageInfo: { hasNextPage: more, endCursor: more ? "cursor-1" : null },
});
const percent = (p: number) => ({ __typename: "DiscountPercentage", percentage: p });
const products = (productIds: number[], variantIds: number[] = []) => ({
  __typename: "DiscountProducts",
  products: page(productIds.map((id) => `gid://shopify/Product/${id}`)),
  productVariants: page(variantIds.map((id) => `gid://shopify/ProductVariant/${id}`)),
});

function node(type: string, extra: Record<string, unknown> = {}, id = 1001) {
  return {
    id: `gid://shopify/DiscountNode/${id}`,
    discount: {
      __typename: type,
      title: `A ${type}`,
      startsAt: "2026-06-01T23:00:00Z",
      endsAt: "2026-06-09T23:00:00Z",
      updatedAt: "2026-05-28T10:00:00Z",
      ...extra,
    },
  };
}

function row(raw: unknown, collections = new Map<string, string[]>()) {
  const parsed = DiscountNodeRecord.parse(raw);
  return promotionFromDiscount(parsed, targetsOf(parsed), collections, LONDON);
}

describe("days in the shop's time zone", () => {
  it("counts an instant on the shop's calendar day (BST and GMT)", () => {
    expect(shopDay("2026-06-01T23:00:00Z", LONDON)).toBe("2026-06-02");
    expect(shopDay("2026-12-01T23:00:00Z", LONDON)).toBe("2026-12-01");
    expect(shopDay("2026-06-01T23:00:00Z", "America/New_York")).toBe("2026-06-01");
  });
  it("ends on the day before an end at midnight, on the day itself otherwise, never before the start", () => {
    expect(lastShopDay("2026-06-09T23:00:00Z", "2026-06-02", LONDON)).toBe("2026-06-09");
    expect(lastShopDay("2026-06-09T22:59:59Z", "2026-06-02", LONDON)).toBe("2026-06-09");
    expect(lastShopDay("2026-12-10T00:00:00Z", "2026-12-02", LONDON)).toBe("2026-12-09");
    expect(lastShopDay("2026-06-01T23:00:00Z", "2026-06-02", LONDON)).toBe("2026-06-02");
  });
});

describe("discount nodes → rows", () => {
  it("a basic automatic discount: percentage off listed products and variants, days in London", () => {
    const promotion = row(node("DiscountAutomaticBasic", { customerGets: { value: percent(0.25), items: products([11, 12], [21]) } }));
    expect(promotion).toEqual({
      source: "discount",
      externalId: "gid://shopify/DiscountNode/1001",
      title: "A DiscountAutomaticBasic",
      kind: "automatic",
      startDay: "2026-06-02",
      endDay: "2026-06-09",
      percentOff: 25,
      amountOff: null,
      appliesToAll: false,
      productIds: ["11", "12"],
      variantIds: ["21"],
      collectionIds: [],
      sourceUpdatedAt: "2026-05-28T10:00:00Z",
    });
  });

  it("a code discount: an amount off each item, on everything, open-ended", () => {
    const promotion = row(
      node("DiscountCodeBasic", {
        endsAt: null,
        customerGets: {
          value: { __typename: "DiscountAmount", amount: { amount: "5.0", currencyCode: "GBP" }, appliesOnEachItem: true },
          items: { __typename: "AllDiscountItems", allItems: true },
        },
      }),
    );
    expect(promotion).toMatchObject({
      kind: "code",
      endDay: null,
      percentOff: null,
      amountOff: "5.00",
      appliesToAll: true,
      productIds: [],
    });
    // An amount split across the order is no depth per item.
    const split = row(
      node("DiscountCodeBasic", {
        customerGets: {
          value: { __typename: "DiscountAmount", amount: { amount: "10.00", currencyCode: "GBP" }, appliesOnEachItem: false },
          items: products([11]),
        },
      }),
    );
    expect(split).toMatchObject({ percentOff: null, amountOff: null, productIds: ["11"] });
  });

  it("buy X get Y (automatic and code): the effect on the Y items", () => {
    for (const type of ["DiscountAutomaticBxgy", "DiscountCodeBxgy"]) {
      const promotion = row(
        node(type, { customerGets: { value: { __typename: "DiscountOnQuantity", effect: percent(1) }, items: products([31]) } }),
      );
      expect(promotion).toMatchObject({ kind: "bxgy", percentOff: 100, productIds: ["31"] });
    }
  });

  it("free shipping (automatic and code): store-wide, no depth", () => {
    for (const type of ["DiscountAutomaticFreeShipping", "DiscountCodeFreeShipping"]) {
      expect(row(node(type))).toMatchObject({
        kind: "free_shipping",
        appliesToAll: true,
        percentOff: null,
        amountOff: null,
        productIds: [],
      });
    }
  });

  it("a discount on collections lists them and adds their products (once each)", () => {
    const raw = node("DiscountCodeBasic", {
      customerGets: {
        value: percent(0.15),
        items: { __typename: "DiscountCollections", collections: page(["gid://shopify/Collection/7", "gid://shopify/Collection/8"]) },
      },
    });
    const promotion = row(
      raw,
      new Map([
        ["7", ["11", "12"]],
        ["8", ["12", "13"]],
      ]),
    );
    expect(promotion).toMatchObject({ collectionIds: ["7", "8"], productIds: ["11", "12", "13"], percentOff: 15, appliesToAll: false });
  });

  it("says which target lists go on past the first page", () => {
    const raw = node("DiscountCodeBasic", {
      customerGets: {
        value: percent(0.2),
        items: { __typename: "DiscountProducts", products: page(["gid://shopify/Product/1"], true), productVariants: page([]) },
      },
    });
    expect(targetsOf(DiscountNodeRecord.parse(raw)).more).toEqual({ products: "cursor-1" });
  });

  it("keys every id Shopify gives a discount on its DiscountNode id", () => {
    for (const type of ["DiscountNode", "DiscountAutomaticNode", "DiscountCodeNode"])
      expect(discountExternalId(`gid://shopify/${type}/1057371186`)).toBe("gid://shopify/DiscountNode/1057371186");
  });

  it("refuses a bad node clearly: which discount, which field", () => {
    const bad = node("DiscountCodeBasic", { customerGets: { value: percent(25), items: products([1]) } }, 4242);
    const parsed = DiscountNodeRecord.safeParse(bad);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(rejection("discount", bad, parsed.error)).toMatch(
      /^discount gid:\/\/shopify\/DiscountNode\/4242 refused: discount\.customerGets\.value\.percentage: /,
    );
    const unknown = { id: "gid://shopify/DiscountNode/5", discount: { __typename: "DiscountAutomaticApp", title: "x" } };
    const second = DiscountNodeRecord.safeParse(unknown);
    expect(second.success).toBe(false);
    if (!second.success) expect(rejection("discount", unknown, second.error)).toMatch(/DiscountNode\/5 refused: discount\.__typename/);
    expect(DiscountNodeRecord.safeParse({ ...node("DiscountCodeBasic"), id: "1001" }).success).toBe(false);
  });
});

describe("marketing events → rows", () => {
  const event = {
    id: "gid://shopify/MarketingEvent/98000001",
    type: "NEWSLETTER",
    remoteId: "n-1",
    startedAt: "2026-03-29T07:00:00Z",
    endedAt: null,
    scheduledToEndAt: "2026-04-05T22:59:59Z",
    utmCampaign: "spring-sale",
    marketingChannelType: "EMAIL",
    description: "Newsletter",
  };
  it("store-wide, its tactic as kind, its campaign as title, ending when scheduled to", () => {
    expect(promotionFromMarketingEvent(MarketingEventRecord.parse(event), LONDON, "2026-04-10T03:15:00.000Z")).toEqual({
      source: "marketing",
      externalId: "gid://shopify/MarketingEvent/98000001",
      title: "spring-sale",
      kind: "newsletter",
      startDay: "2026-03-29",
      endDay: "2026-04-05",
      percentOff: null,
      amountOff: null,
      appliesToAll: true,
      productIds: [],
      variantIds: [],
      collectionIds: [],
      sourceUpdatedAt: "2026-04-10T03:15:00.000Z",
    });
  });
  it("open-ended without an end; the description or tactic when there is no campaign", () => {
    const open = MarketingEventRecord.parse({ ...event, scheduledToEndAt: null, utmCampaign: null });
    expect(promotionFromMarketingEvent(open, LONDON, "2026-04-10T03:15:00Z")).toMatchObject({ endDay: null, title: "Newsletter" });
    expect(MarketingEventRecord.safeParse({ ...event, startedAt: "yesterday" }).success).toBe(false);
  });
});

describe("webhooks and scopes", () => {
  it("reads the discount webhooks' payload as Shopify sends it, and nothing else", () => {
    const payload = DiscountPayload.parse({
      admin_graphql_api_id: "gid://shopify/DiscountCodeNode/12",
      title: "Spring",
      status: "ACTIVE",
      created_at: "2026-03-01T10:00:00+00:00",
      updated_at: "2026-03-02T10:00:00+00:00",
      codes: ["SECRET"],
    });
    expect(payload).not.toHaveProperty("codes");
    expect(DiscountPayload.safeParse({ title: "no id" }).success).toBe(false);
  });
  it("a write scope implies its read scope", () => {
    expect(hasScope("read_products,write_discounts", "read_discounts")).toBe(true);
    expect(hasScope("read_products, read_marketing_events", "read_marketing_events")).toBe(true);
    expect(hasScope("read_products", "read_discounts")).toBe(false);
  });
});
