import { describe, expect, it } from "vitest";
import {
  BulkInventoryLevel,
  BulkLineItem,
  BulkOrder,
  BulkProduct,
  BulkVariant,
  levelFromBulk,
  lineFromBulk,
  normaliseOrder,
  orderFromBulk,
  OrderPayload,
  parserFor,
  ORDER_PARSERS,
  productFromBulk,
  productFromPayload,
  ProductPayload,
  RefundLinesNode,
  refundLinesFromNode,
  variantFromBulk,
  InventoryLevelPayload,
  isImageUrl,
  IMAGE_ALT_MAX,
} from "../../../app/sync/records";

// Shapes as Shopify documents them for API 2025-10 (bulk JSONL lines and REST webhook payloads).
const productLine = {
  __typename: "Product",
  id: "gid://shopify/Product/108828309",
  title: "Jumbo Bag Red Retrospot",
  handle: "jumbo-bag-red-retrospot",
  status: "ACTIVE",
  productType: "Bags",
  vendor: "Hollow Oak",
  createdAt: "2024-01-02T10:00:00Z",
  updatedAt: "2025-11-01T09:30:00Z",
};
const variantLine = {
  __typename: "ProductVariant",
  id: "gid://shopify/ProductVariant/43729076",
  title: "Red / Large",
  sku: "85099B-L",
  price: "2.08",
  updatedAt: "2025-11-01T09:30:00Z",
  inventoryItem: { id: "gid://shopify/InventoryItem/450789469" },
  __parentId: "gid://shopify/Product/108828309",
};

describe("bulk JSONL records", () => {
  it("maps products and variants (SKU ↔ variant ↔ inventory item)", () => {
    expect(productFromBulk(BulkProduct.parse(productLine))).toMatchObject({ id: "108828309", status: "ACTIVE", productType: "Bags" });
    expect(variantFromBulk(BulkVariant.parse(variantLine))).toEqual({
      id: "43729076",
      productId: "108828309",
      title: "Red / Large",
      sku: "85099B-L",
      price: "2.08",
      inventoryItemId: "450789469",
      updatedAt: "2025-11-01T09:30:00Z",
    });
  });

  it("reads available and on_hand from InventoryLevel.quantities, location from __parentId", () => {
    const level = BulkInventoryLevel.parse({
      __typename: "InventoryLevel",
      id: "gid://shopify/InventoryLevel/523463154?inventory_item_id=450789469",
      updatedAt: "2025-11-02T00:00:00Z",
      item: { id: "gid://shopify/InventoryItem/450789469" },
      quantities: [
        { name: "available", quantity: 7 },
        { name: "on_hand", quantity: 9 },
      ],
      __parentId: "gid://shopify/Location/71000001",
    });
    expect(levelFromBulk(level)).toEqual({
      inventoryItemId: "450789469",
      locationId: "71000001",
      available: 7,
      onHand: 9,
      updatedAt: "2025-11-02T00:00:00Z",
    });
  });

  it("takes the retail location, else the first fulfillment's location, else 0; flags refunds", () => {
    const base = {
      __typename: "Order",
      id: "gid://shopify/Order/5000000000001",
      name: "#1001",
      createdAt: "2025-10-01T08:00:00Z",
      processedAt: "2025-10-01T08:00:00Z",
      updatedAt: "2025-10-03T08:00:00Z",
      cancelledAt: null,
      test: false,
      currencyCode: "GBP",
    };
    expect(
      orderFromBulk(BulkOrder.parse({ ...base, retailLocation: { id: "gid://shopify/Location/71000002" }, refunds: [] })),
    ).toMatchObject({
      locationId: "71000002",
      hasRefunds: false,
    });
    expect(
      orderFromBulk(
        BulkOrder.parse({
          ...base,
          retailLocation: null,
          fulfillments: [{ location: { id: "gid://shopify/Location/71000001" } }],
          refunds: [{ id: "gid://shopify/Refund/1", createdAt: "2025-10-03T08:00:00Z" }],
        }),
      ),
    ).toMatchObject({ locationId: "71000001", hasRefunds: true });
    expect(orderFromBulk(BulkOrder.parse({ ...base, retailLocation: null }))).toMatchObject({ locationId: "0" });
  });

  it("maps line items, rejects malformed ones", () => {
    const line = {
      __typename: "LineItem",
      id: "gid://shopify/LineItem/50000000000010",
      quantity: 3,
      sku: "85099B-L",
      variant: { id: "gid://shopify/ProductVariant/43729076" },
      product: { id: "gid://shopify/Product/108828309" },
      discountedTotalSet: { shopMoney: { amount: "6.24" } },
      __parentId: "gid://shopify/Order/5000000000001",
    };
    expect(lineFromBulk(BulkLineItem.parse(line))).toMatchObject({
      orderId: "5000000000001",
      variantId: "43729076",
      quantity: 3,
      discountedTotal: "6.24",
    });
    expect(BulkLineItem.safeParse({ ...line, quantity: -1 }).success).toBe(false);
    expect(BulkLineItem.safeParse({ ...line, id: "not-a-gid" }).success).toBe(false);
  });

  it("maps refund line items fetched per order", () => {
    const node = RefundLinesNode.parse({
      id: "gid://shopify/Order/5000000000001",
      refunds: [
        {
          id: "gid://shopify/Refund/77",
          createdAt: "2025-10-03T08:00:00Z",
          refundLineItems: {
            nodes: [{ quantity: 1, restockType: "RETURN", lineItem: { id: "gid://shopify/LineItem/50000000000010" }, location: null }],
          },
        },
      ],
    });
    expect(refundLinesFromNode(node, "2025-10-01T08:00:00Z")).toEqual([
      {
        refundId: "77",
        lineItemId: "50000000000010",
        orderId: "5000000000001",
        quantity: 1,
        restockType: "RETURN",
        locationId: null,
        createdAt: "2025-10-03T08:00:00Z",
      },
    ]);
  });
});

const orderPayload = {
  id: 5000000000001,
  admin_graphql_api_id: "gid://shopify/Order/5000000000001",
  name: "#1001",
  email: "jane@example.com",
  phone: "+447700900000",
  note: "leave at door",
  customer: { id: 1, first_name: "Jane", last_name: "Doe", email: "jane@example.com" },
  billing_address: { address1: "1 High St", city: "London" },
  shipping_address: { address1: "1 High St", city: "London" },
  created_at: "2025-10-01T09:00:00+01:00",
  processed_at: "2025-10-01T09:00:00+01:00",
  updated_at: "2025-10-03T09:00:00+01:00",
  cancelled_at: null,
  test: false,
  currency: "GBP",
  location_id: null,
  fulfillments: [{ id: 1, location_id: 71000001 }],
  line_items: [
    {
      id: 50000000000010,
      variant_id: 43729076,
      product_id: 108828309,
      sku: "85099B-L",
      quantity: 3,
      price: "2.08",
      total_discount: "0.00",
      discount_allocations: [{ amount: "0.24" }],
    },
  ],
  refunds: [
    {
      id: 77,
      order_id: 5000000000001,
      created_at: "2025-10-03T09:00:00+01:00",
      note: "customer said",
      refund_line_items: [{ id: 1, line_item_id: 50000000000010, quantity: 1, restock_type: "return", location_id: 71000001 }],
    },
  ],
};

describe("webhook payloads", () => {
  it("strips customer data: no names, emails, addresses, phones or notes survive validation", () => {
    const parsed = OrderPayload.parse(orderPayload);
    const text = JSON.stringify(parsed);
    for (const secret of ["jane", "Jane", "Doe", "High St", "+4477", "leave at door", "customer said"]) expect(text).not.toContain(secret);
  });

  it("normalises an order per API version", () => {
    const { order, lines, refunds } = normaliseOrder("2025-10", OrderPayload.parse(orderPayload));
    expect(order).toMatchObject({ id: "5000000000001", locationId: "71000001", currencyCode: "GBP", cancelledAt: null });
    expect(lines).toEqual([
      {
        id: "50000000000010",
        orderId: "5000000000001",
        variantId: "43729076",
        productId: "108828309",
        sku: "85099B-L",
        quantity: 3,
        discountedTotal: "6.00",
      },
    ]);
    expect(refunds[0]).toMatchObject({ refundId: "77", lineItemId: "50000000000010", restockType: "RETURN", quantity: 1 });
  });

  it("picks the newest parser not after the delivery's version and refuses versions older than all", () => {
    expect(parserFor(ORDER_PARSERS, "2026-01").from).toBe("2025-10");
    expect(parserFor(ORDER_PARSERS, "2025-07").from).toBe("2024-07");
    expect(() => parserFor(ORDER_PARSERS, "2023-10")).toThrow(/older than any version/);
  });

  it("validates product and inventory payloads", () => {
    const product = productFromPayload(
      ProductPayload.parse({
        id: 108828309,
        title: "Jumbo Bag",
        handle: "jumbo-bag",
        status: "active",
        created_at: "2024-01-02T10:00:00Z",
        updated_at: "2025-11-01T09:30:00Z",
        variants: [
          {
            id: 43729076,
            title: "Default Title",
            sku: "",
            price: "2.08",
            inventory_item_id: 450789469,
            updated_at: "2025-11-01T09:30:00Z",
          },
        ],
      }),
    );
    expect(product.product.status).toBe("ACTIVE");
    expect(product.variants[0]).toMatchObject({ sku: null, inventoryItemId: "450789469" });
    expect(
      InventoryLevelPayload.safeParse({ inventory_item_id: 1, location_id: 2, available: 5, updated_at: "2025-11-01T09:30:00Z" }).success,
    ).toBe(true);
    expect(InventoryLevelPayload.safeParse({ inventory_item_id: "x", location_id: 2, available: 5 }).success).toBe(false);
  });
});

describe("product images", () => {
  const CDN = "https://cdn.shopify.com/s/files/1/0612/3581/files/jumbo-bag.png?v=1730450000";
  const payload = (extra: Record<string, unknown>) =>
    ProductPayload.parse({
      id: 108828309,
      title: "Jumbo Bag",
      handle: "jumbo-bag",
      created_at: "2024-01-02T10:00:00Z",
      updated_at: "2025-11-01T09:30:00Z",
      variants: [],
      ...extra,
    });
  /** As the webhook route stores it and the job reads it back: parsed, JSON, parsed again. */
  const stored = (extra: Record<string, unknown>) =>
    productFromPayload(ProductPayload.parse(JSON.parse(JSON.stringify(payload(extra))))).product;

  it("reads featuredMedia's image from a bulk line; other media or none mean no image", () => {
    const image = (featuredMedia: unknown) => productFromBulk(BulkProduct.parse({ ...productLine, featuredMedia })).image;
    expect(image({ image: { url: CDN, altText: " Red bag " } })).toEqual({ url: CDN, alt: "Red bag" });
    expect(image({ image: { url: CDN, altText: "" } })).toEqual({ url: CDN, alt: null });
    expect(image({})).toBeNull(); // a video or 3D model: no `image` on it
    expect(image(null)).toBeNull();
    expect(image(undefined)).toBeNull();
    // A malformed image never fails the product.
    expect(BulkProduct.safeParse({ ...productLine, featuredMedia: { image: "nope" } }).success).toBe(true);
    expect(image({ image: { url: "javascript:alert(1)", altText: "x" } })).toBeNull();
    expect(image({ image: { url: CDN, altText: "a".repeat(2000) } })?.alt).toHaveLength(IMAGE_ALT_MAX);
  });

  it("reads REST image, then images[0], then media[0]; a payload without any of them keeps the stored image", () => {
    expect(stored({ image: { src: CDN, alt: "Red bag" }, images: [{ src: CDN, alt: "Red bag" }] }).image).toEqual({
      url: CDN,
      alt: "Red bag",
    });
    expect(stored({ images: [{ src: "https://cdn.shopify.com/a.png" }, { src: "https://cdn.shopify.com/b.png" }] }).image).toEqual({
      url: "https://cdn.shopify.com/a.png",
      alt: null,
    });
    expect(stored({ media: [{ alt: "Side", preview_image: { src: CDN } }] }).image).toEqual({ url: CDN, alt: "Side" });
    expect(stored({ image: null, images: [], media: [] }).image).toBeNull();
    expect(stored({}).image).toBeUndefined();
    // The stored event keeps only the first of each list, and a malformed image counts as none.
    expect(payload({ images: [{ src: CDN }, { src: CDN }, { src: CDN }] }).images).toHaveLength(1);
    expect(stored({ image: { src: 42 } }).image).toBeNull();
    expect(stored({ image: { src: "ftp://cdn.shopify.com/a.png" } }).image).toBeNull();
  });

  it("keeps any absolute http(s) URL with a host, up to 2 048 characters", () => {
    for (const good of [CDN, "http://127.0.0.1:5501/cdn/shop/files/30000000001.png", "https://images.example.com/a.jpg"])
      expect(isImageUrl(good), good).toBe(true);
    for (const bad of [
      "",
      "/cdn/shop/files/1.png",
      "//cdn.shopify.com/a.png",
      "data:image/png;base64,AAAA",
      "javascript:alert(1)",
      "http:cdn.shopify.com/a.png",
      "https://user:secret@cdn.shopify.com/a.png",
      "https://cdn.shopify.com/a b.png",
      `https://cdn.shopify.com/${"a".repeat(2048)}.png`,
      null,
      42,
    ])
      expect(isImageUrl(bad), String(bad)).toBe(false);
  });
});
