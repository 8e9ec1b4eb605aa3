/**
 * The stand-in as the real SDK sees it: GraphQL through @shopify/shopify-api's client, with cursor
 * pagination, cost, throttling and Shopify's errors. (OAuth, token exchange and webhooks are covered
 * through the app in shop-001.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports";
import { redirectShopifyFetch, startShopifyStandIn, type ShopifyStandIn } from "../mocks/shopify";
import { productPayload } from "../mocks/shopify/store/rest";

const SHOP = "stand-in-test.myshopify.com";
let standIn: ShopifyStandIn;
let graphql: (
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) => Promise<{ status: number; body: Record<string, unknown> }>;

beforeAll(async () => {
  const port = await freePort();
  redirectShopifyFetch(`http://127.0.0.1:${port}`);
  standIn = await startShopifyStandIn({
    port,
    app: {
      apiKey: "key",
      apiSecret: "secret",
      appUrl: "http://127.0.0.1:1",
      handle: "fluxor",
      name: "Fluxor",
      redirectUrls: [],
      scopes: ["read_products", "read_inventory", "read_locations", "read_orders", "read_all_orders"],
      apiVersion: "2025-10",
      subscriptions: [],
    },
    stores: [{ domain: SHOP, seed: 7 }],
  });
  // An access token the way an app gets one: token exchange with a session token.
  const exchange = await fetch(`https://${SHOP}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_id: "key",
      client_secret: "secret",
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: standIn.mintIdToken(SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  const { access_token: accessToken } = (await exchange.json()) as { access_token: string };
  graphql = async (query, variables = {}, token = accessToken) => {
    const response = await fetch(`https://${SHOP}/admin/api/2025-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
});
afterAll(async () => standIn?.close());

describe("Admin GraphQL stand-in", () => {
  it("pages through products with cursors and reports the query cost", async () => {
    const query = `query($after: String) { products(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id title variants(first: 3) { nodes { sku } } } } }`;
    let after: string | null = null;
    let count = 0;
    let pages = 0;
    do {
      const { body } = await graphql(query, { after });
      const data = body.data as { products: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: unknown[] } };
      count += data.products.nodes.length;
      after = data.products.pageInfo.hasNextPage ? data.products.pageInfo.endCursor : null;
      pages++;
      // connection 2 + first × (node 1 + variants (2 + 3 × node 1)); pageInfo is not charged
      expect((body.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost).toBe(2 + 100 * (1 + (2 + 3 * 1)));
      standIn.store(SHOP).bucket().refund(1000);
    } while (after);
    expect(count).toBe(1064);
    expect(pages).toBe(11);
  });

  it("serves inventory per location and orders filtered by date, with refunds and cancellations", async () => {
    const { body } = await graphql(`
      {
        products(first: 1) {
          nodes {
            variants(first: 5) {
              nodes {
                inventoryItem {
                  inventoryLevels(first: 3) {
                    nodes {
                      location {
                        name
                      }
                      quantities(names: ["available", "on_hand"]) {
                        name
                        quantity
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    `);
    expect(JSON.stringify(body.data)).toContain("London Warehouse");
    const since = standIn.store(SHOP).data.historyStart;
    const orders = await graphql(
      `
        query ($q: String) {
          orders(first: 20, query: $q) {
            nodes {
              name
              createdAt
              cancelledAt
              sourceName
              lineItems(first: 5) {
                nodes {
                  quantity
                  sku
                }
              }
              refunds(first: 2) {
                refundLineItems(first: 2) {
                  nodes {
                    quantity
                    restockType
                  }
                }
              }
            }
          }
        }
      `,
      { q: `created_at:>=${since}` },
    );
    const nodes = (orders.body.data as { orders: { nodes: { createdAt: string }[] } }).orders.nodes;
    expect(nodes).toHaveLength(20);
    expect((nodes[0]?.createdAt ?? "").slice(0, 10) >= since).toBe(true);
  });

  it("refuses a query above the single-query limit and throttles when the bucket is empty", async () => {
    const tooBig = await graphql(`
      {
        orders(first: 250) {
          nodes {
            lineItems(first: 250) {
              nodes {
                sku
              }
            }
          }
        }
      }
    `);
    expect((tooBig.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe("MAX_COST_EXCEEDED");
    standIn.store(SHOP).bucket().drain();
    const throttled = await graphql(`
      {
        shop {
          name
        }
        locations(first: 10) {
          nodes {
            id
          }
        }
      }
    `);
    expect(throttled.status).toBe(200);
    expect((throttled.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe("THROTTLED");
    const status = (throttled.body.extensions as { cost: { throttleStatus: { restoreRate: number; maximumAvailable: number } } }).cost
      .throttleStatus;
    expect(status).toMatchObject({ restoreRate: 50, maximumAvailable: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // 50 points/s restore
    const recovered = await graphql(`
      {
        shop {
          name
        }
        locations(first: 10) {
          nodes {
            id
          }
        }
      }
    `);
    expect((recovered.body.data as { shop: { name: string } }).shop.name).toBe("Stand In Test");
  });

  it("gives each product a featured image (featuredMedia, deprecated featuredImage, REST image/images/media) served as a PNG", async () => {
    type Node = {
      id: string;
      title: string;
      featuredMedia: {
        __typename: string;
        mediaContentType: string;
        alt: string | null;
        image: { url: string; altText: string | null; width: number; height: number };
      } | null;
      featuredImage: { url: string; altText: string | null } | null;
    };
    const query = `query($id: ID!) { product(id: $id) { id title
      featuredMedia { __typename mediaContentType alt ... on MediaImage { image { url altText width height } } }
      featuredImage { url altText } } }`;
    const state = standIn.store(SHOP).state;
    const first = state.products()[0]!;
    const read = async () => ((await graphql(query, { id: `gid://shopify/Product/${first.id}` })).body.data as { product: Node }).product;
    const product = await read();
    const url = `${standIn.url}/cdn/shop/files/${first.image!.id}.png`;
    expect(product.featuredMedia).toEqual({
      __typename: "MediaImage",
      mediaContentType: "IMAGE",
      alt: first.image!.altText,
      image: { url, altText: first.image!.altText, width: 256, height: 256 },
    });
    expect(product.featuredImage).toEqual({ url, altText: first.image!.altText });
    // Every product has one; one in five has no alt text, like real catalogues.
    expect(state.products().every((p) => p.image !== null)).toBe(true);
    expect(state.products().filter((p) => p.image!.altText === null).length).toBeGreaterThan(100);

    // The file: a deterministic PNG of the declared size.
    const png = Buffer.from(await (await fetch(`${url}?width=160`)).arrayBuffer());
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([256, 256]);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(png)).toBe(true);

    // The products/update payload carries it in REST's image, images and media.
    const rest = productPayload(first, state) as {
      image: { src: string; alt: string | null };
      images: { src: string }[];
      media: { preview_image: { src: string } }[];
    };
    expect(rest.image).toMatchObject({
      src: url,
      alt: first.image!.altText,
      admin_graphql_api_id: `gid://shopify/MediaImage/${first.image!.id}`,
    });
    expect(rest.images.map((image) => image.src)).toEqual([url]);
    expect(rest.media.map((media) => media.preview_image.src)).toEqual([url]);

    // A new image gets a new id (a new file); removing it leaves featuredMedia null and REST image null.
    const replaced = state.updateProduct(first.id, { image: { altText: "Side view" } });
    expect(replaced.image!.id).not.toBe(first.image!.id);
    expect((await read()).featuredMedia?.image).toMatchObject({
      url: `${standIn.url}/cdn/shop/files/${replaced.image!.id}.png`,
      altText: "Side view",
    });
    expect((await fetch(`${standIn.url}/cdn/shop/files/${replaced.image!.id}.png`)).status).toBe(200);
    const removed = state.updateProduct(first.id, { image: null });
    expect(await read()).toMatchObject({ featuredMedia: null, featuredImage: null });
    expect(productPayload(removed, state)).toMatchObject({ image: null, images: [], media: [] });
  });

  it("answers GraphQL validation errors like Shopify and 401 for a bad token", async () => {
    const invalid = await graphql(`
      {
        shop {
          notAField
        }
      }
    `);
    expect(invalid.status).toBe(200);
    expect((invalid.body.errors as { message: string }[])[0]?.message).toMatch(/notAField/);
    expect(
      (
        await graphql(
          `
            {
              shop {
                name
              }
            }
          `,
          {},
          "shpat_wrong",
        )
      ).status,
    ).toBe(401);
  });
});
