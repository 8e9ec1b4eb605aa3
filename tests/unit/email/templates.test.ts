/**
 * Every email template, in every version and language: rendered from the fixtures, with no translation
 * key left raw, the language on <html>, the footer's links, the CTAs, a text part that carries the facts
 * on its own, escaped shop data, capped lists and urgency order.
 */
import { describe, expect, it } from "vitest";
import en from "../../../app/i18n/locales/email/en.json";
import { SUPPORTED_LOCALES } from "../../../app/i18n/i18n";
import { EMAIL_FIXTURES, emailFixture } from "../../../app/email/fixtures";
import {
  ALL_TEMPLATE_VERSIONS,
  type AlertItem,
  EMAIL_TEMPLATES,
  EmailContent,
  type EmailContentInput,
  type EmailTemplate,
  type RenderedEmail,
} from "../../../app/email/model";
import { renderEmail } from "../../../app/email/render.server";
import { thumbnailUrl } from "../../../app/email/templates/items";

/** Renders, with no-break spaces ("14\u00a0days", "2\u202f594,80\u00a0£") read as spaces for the assertions. */
async function render(input: EmailContentInput): Promise<RenderedEmail> {
  const email = await renderEmail(EmailContent.parse(input));
  const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");
  return { ...email, subject: spaces(email.subject), html: spaces(email.html), text: spaces(email.text) };
}

function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix, prefix.replace(/_(one|other)$/, "")];
  return Object.entries(value).flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key));
}
/** Every key of the namespace, with and without its plural suffix: none may show up in an email. */
const KEYS = [...new Set(keyPaths(en))].filter((key) => key.includes("."));
const KEY_LIKE = /\b(?:layout|why|cta|item|subject|types)\.[A-Za-z_]+/;

const ITEM_TEMPLATES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock", "digest", "test"] as const;
const LINKS = EMAIL_FIXTURES.out_of_stock.links;

function withVersion(templateVersion: string, locale: (typeof SUPPORTED_LOCALES)[number]): EmailContentInput {
  const [template, version] = templateVersion.split("@") as [EmailTemplate, string];
  return { ...emailFixture(template, locale), version: Number(version) } as EmailContentInput;
}

function outOfStockItem(index: number, overrides: Partial<Extract<AlertItem, { alertType: "out_of_stock" }>> = {}) {
  return {
    alertType: "out_of_stock" as const,
    variantId: String(5000 + index),
    productId: String(9000 + index),
    productTitle: `Product ${index}`,
    variantTitle: null,
    sku: `SKU-${index}`,
    available: 0,
    daysOfCover: 0,
    stockoutDate: null,
    outOfStockSince: "2026-03-01",
    outOfStockSinceEstimated: false,
    lostSalesPerDay: { units: 1, amount: index },
    suggestedOrderQty: 10,
    ...overrides,
  };
}

describe("email templates", () => {
  it("cover every template, each with a fixture", () => {
    expect(Object.keys(EMAIL_FIXTURES).sort()).toEqual([...EMAIL_TEMPLATES].sort());
    expect(ALL_TEMPLATE_VERSIONS).toContain("out_of_stock@2");
    expect(ALL_TEMPLATE_VERSIONS).toContain("digest@2");
  });

  describe.each(ALL_TEMPLATE_VERSIONS)("%s", (templateVersion) => {
    it.each(SUPPORTED_LOCALES)("renders in %s with no raw key, the language, the footer and a text part", async (locale) => {
      const content = withVersion(templateVersion, locale);
      const email = await render(content);
      expect(email.templateVersion).toBe(templateVersion);

      for (const part of [email.subject, email.html, email.text]) {
        expect(part).not.toMatch(KEY_LIKE);
        for (const key of KEYS) expect(part.includes(key), `${key} in ${templateVersion} ${locale}`).toBe(false);
        expect(part).not.toContain("{{");
        expect(part).not.toMatch(/undefined|NaN|\[object Object\]/);
      }

      expect(email.subject).toMatch(/^[^\n\r]{10,110}$/);
      expect(email.html).toMatch(new RegExp(`<html[^>]* lang="${locale}"`));
      expect(email.html).toContain('<meta name="viewport"');
      expect(email.html).toContain("max-width:600px");

      // Real text, no markup, in the text part; it ends with the footer.
      expect(email.text).not.toMatch(/<\/?(?:table|td|div|p|a|span)\b/);
      expect(email.text).not.toContain("&nbsp;");
      expect(email.text.length).toBeGreaterThan(200);

      if (content.template === "recipient_confirmation") {
        expect(email.html).toContain(`href="${content.confirmUrl}"`);
        expect(email.text).toContain(content.confirmUrl);
        expect(email.html).not.toContain("unsubscribe");
      } else if (content.template === "dunning" || content.template === "trial_ending") {
        // Billing notices are transactional: their CTA, and no preference or unsubscribe link.
        expect(email.html).toContain(`href="${content.actionUrl}"`);
        expect(email.text).toContain(content.actionUrl);
        expect(email.html).not.toContain("unsubscribe");
        expect(email.text).not.toContain("unsubscribe");
      } else {
        for (const url of [LINKS.unsubscribeUrl, LINKS.preferencesUrl]) {
          expect(email.html).toContain(`href="${url}"`);
          expect(email.text).toContain(url);
        }
      }
    });
  });

  it.each(SUPPORTED_LOCALES)("words the less common cases in %s too", async (locale) => {
    const at = <K extends EmailTemplate>(template: K) => emailFixture(template, locale);
    const predicted = at("stockout_predicted");
    const low = at("low_stock");
    const cases: [EmailContentInput, RegExp][] = [
      [
        {
          ...at("out_of_stock"),
          section: { alertType: "out_of_stock", items: [outOfStockItem(1, { outOfStockSince: null, lostSalesPerDay: null })] },
        },
        /Product 1/,
      ],
      [
        {
          ...predicted,
          section: { ...predicted.section, window: { kind: "lead_time" }, items: [{ ...predicted.section.items[0]!, stockoutDate: null }] },
        },
        /Waxed Canvas Backpack/,
      ],
      [{ ...low, section: { ...low.section, threshold: { kind: "days", days: 7 } } }, /7 /],
      [{ ...at("weekly_summary"), lostSalesAvoided: 0 }, /24/],
      [{ ...at("recipient_confirmation"), requestedBy: null }, /buyer@northwind\.example/],
      [{ ...at("digest"), frequency: "weekly", sections: [at("dead_stock").section] }, /42/],
    ];
    for (const [content, fact] of cases) {
      const email = await render(content);
      for (const part of [email.subject, email.html, email.text]) {
        expect(part).not.toMatch(KEY_LIKE);
        expect(part).not.toContain("{{");
      }
      expect(email.subject + email.text, content.template).toMatch(fact);
    }
    if (locale === "en") {
      const [noMoney, leadTime, days, noSavings, anonymous, weekly] = await Promise.all(cases.map(([content]) => render(content)));
      expect(noMoney!.subject).toBe("Product 1 is out of stock");
      expect(noMoney!.text).toContain("Customers cannot buy it until it is restocked.");
      expect(leadTime!.subject).toBe("Waxed Canvas Backpack – Olive / 24 L will run out within its lead time");
      expect(leadTime!.text).toContain("Runs out soon");
      expect(days!.subject).toBe("2 products have less than 7 days of cover");
      expect(noSavings!.subject).toBe("Your week with Fluxor: 24 alerts sent");
      expect(anonymous!.text).toContain("buyer@northwind.example was added to the stock alerts of Northwind Outfitters");
      expect(weekly!.subject).toBe("Weekly stock alerts: 42 products to review");
    }
  });

  it("translates: the same email differs by language, with the language's formats", async () => {
    const [english, spanish, french] = await Promise.all(SUPPORTED_LOCALES.map((locale) => render(emailFixture("out_of_stock", locale))));
    expect(english!.subject).toBe("17 products are out of stock — £412/day in lost sales");
    expect(spanish!.subject).toBe("17 productos están agotados — 412 GBP/día en ventas perdidas");
    expect(french!.subject).toBe("17 produits sont en rupture de stock — 412 £GB/jour de ventes perdues");
    expect(english!.text).toContain("Lost sales to date: 520 units · £2,594.80");
    expect(spanish!.text).toContain("Ventas perdidas hasta hoy: 520 unidades · 2594,80 GBP");
    expect(french!.text).toContain("Ventes perdues à ce jour : 520 unités · 2 594,80 £GB");
    expect(french!.text).toContain("En rupture depuis le 14 févr. 2026 (estimation)");
  });

  it("shows each product's facts and both CTAs, in the HTML and in the text", async () => {
    for (const template of ITEM_TEMPLATES) {
      const content = EmailContent.parse(EMAIL_FIXTURES[template]);
      const email = await renderEmail(content);
      const items: AlertItem[] =
        content.template === "digest"
          ? content.sections.flatMap((section): AlertItem[] => section.items)
          : content.template === "test"
            ? (content.sample?.items ?? [])
            : "section" in content
              ? content.section.items
              : [];
      expect(items.length, template).toBeGreaterThan(0);
      for (const item of items) {
        const fluxor = `${LINKS.fluxorBaseUrl}/app/variants/${item.variantId}`;
        const admin = `https://admin.shopify.com/store/northwind-outfitters/products/${item.productId}`;
        for (const part of [email.html, email.text]) {
          expect(part, template).toContain(fluxor);
          expect(part, template).toContain(admin);
          expect(part, template).toContain(item.productTitle);
        }
        if (item.sku) expect(email.text).toContain(`SKU ${item.sku}`);
        if (item.imageUrl) {
          // Shopify's CDN resizes: the thumbnail asks for 160 px, keeping the image's other parameters.
          const src = `${item.imageUrl}${item.imageUrl.includes("?") ? "&amp;" : "?"}width=160`.replace(/[.?]/g, "\\$&");
          expect(email.html).toMatch(new RegExp(`<img alt="${item.productTitle}[^"]*"[^>]* src="${src}"`));
          expect(email.text).not.toContain(item.imageUrl.split("?")[0]);
        }
      }
      expect(email.html, template).toContain("Open in Fluxor");
      expect(email.html, template).toContain("Open in Shopify admin");
    }
  });

  it("writes a text part that carries the key facts on its own", async () => {
    const outOfStock = await render(EMAIL_FIXTURES.out_of_stock);
    expect(outOfStock.text).toContain("17 products are out of stock\n============================");
    expect(outOfStock.text).toContain("Together they lose about £412 in sales every day");
    expect(outOfStock.text).toMatch(
      /1\. Merino Wool Beanie \(Charcoal · SKU MWB-CHA\)\n\s+Out of stock since 27 Feb 2026\n\s+Available: 0 units/,
    );
    expect(outOfStock.text).toContain("Out of stock since 14 Feb 2026 (estimated)");
    expect(outOfStock.text).toContain("Lost sales per day: 27.4 units · £136.73");
    expect(outOfStock.text).toContain("Suggested order: 960 units");
    expect(outOfStock.text).toContain(`See 13 more products in Fluxor: ${LINKS.fluxorBaseUrl}/app/variants?risk=stockout&sort=available`);
    expect(outOfStock.text).toContain(`Unsubscribe: ${LINKS.unsubscribeUrl}`);
    expect(outOfStock.text).toContain("Figures as of 5 Mar 2026, 07:00 GMT.");

    const predicted = await render(EMAIL_FIXTURES.stockout_predicted);
    expect(predicted.subject).toBe("2 products will run out within 14 days");
    expect(predicted.text).toContain("Runs out around 9 Mar 2026");
    expect(predicted.text).toContain("Lead time: 21 days");

    const reorder = await render(EMAIL_FIXTURES.reorder_point);
    expect(reorder.subject).toBe("Packable Rain Jacket – Women's / M / Navy is at or below its reorder point");
    expect(reorder.text).toContain("Reorder point: 30 units");

    const low = await render(EMAIL_FIXTURES.low_stock);
    expect(low.subject).toBe("2 products are below 10 units");

    const dead = await render(EMAIL_FIXTURES.dead_stock);
    expect(dead.subject).toBe("42 products have not sold in 90 days — £9,515 in stock");
    expect(dead.text).toContain("No sale since 28 Oct 2025");
    expect(dead.text).toContain("Stock value: £5,549.00");

    const failed = await render(EMAIL_FIXTURES.forecast_failed);
    expect(failed.subject).toBe("Forecast run failed for northwind-outfitters.myshopify.com");
    expect(failed.text).toContain("Run: run_2026-03-05_0200_northwind");
    expect(failed.text).toContain("Failed at: 5 Mar 2026, 02:14 GMT");
    expect(failed.text).toContain("ForecastWorkerError: worker 3 exited with code 137 (out of memory)");
    expect(failed.text).toContain("    at WorkerPool.onExit (app/forecasting/worker-pool.server.ts:88:13)");

    const summary = await render(EMAIL_FIXTURES.weekly_summary);
    expect(summary.subject).toBe("Your week with Fluxor: £1,241 in lost sales avoided");
    expect(summary.text).toMatch(/23 Feb\s–\s1 Mar 2026/u);
    expect(summary.text).toContain("Opened: 17 (71%)");
    expect(summary.text).toContain("Acted on: 9 (38%)");
    expect(summary.text).toContain("Not selling: 42");

    const confirmation = await render(EMAIL_FIXTURES.recipient_confirmation);
    expect(confirmation.text).toContain("Maya Patel added buyer@northwind.example to the stock alerts of Northwind Outfitters");
    expect(confirmation.text).toContain("The link works until 8 Mar 2026, 07:00 GMT.");

    const test = await render(EMAIL_FIXTURES.test);
    expect(test.subject).toBe("[Test] Email settings for Northwind Outfitters");
    expect(test.text).toContain("[Test email] This is a test");
    expect(test.html).toContain("<strong>Test email</strong>");
  });

  it("puts the digest in order of urgency: out of stock by lost revenue first", async () => {
    const digest = await render(EMAIL_FIXTURES.digest);
    expect(digest.subject).toBe("Daily stock alerts: 3 out of stock, 4 more to review");
    const order = ["3 products are out of stock", "will run out within their lead time", "reorder point", "has not sold in 90 days"].map(
      (text) => digest.text.indexOf(text),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // £140.30/day before £136.73/day before £88.20/day.
    const beanie = digest.text.indexOf("Merino Wool Beanie");
    const pencils = digest.text.indexOf("Colouring Pencils Brown Tube");
    const socks = digest.text.indexOf("Trail Runner Socks");
    expect(beanie).toBeLessThan(pencils);
    expect(pencils).toBeLessThan(socks);
  });

  it("runs an A/B test: version 2 leads the subject with the money and changes the main button", async () => {
    const one = await render({ ...EMAIL_FIXTURES.out_of_stock, version: 1 });
    const two = await render({ ...EMAIL_FIXTURES.out_of_stock, version: 2 });
    expect(one.templateVersion).toBe("out_of_stock@1");
    expect(two.templateVersion).toBe("out_of_stock@2");
    expect(two.subject).toBe("£412/day in lost sales: 17 products are out of stock");
    expect(one.html).toContain(">Open in Fluxor<");
    expect(two.html).toContain(">Review the order<");
    expect(two.html).not.toContain(">Open in Fluxor<");
    const digest = await render({ ...EMAIL_FIXTURES.digest, version: 2 });
    expect(digest.subject).toBe("£365/day in lost sales: 3 out of stock, 4 more to review");
  });

  it("escapes the shop's data in the HTML", async () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const content = {
      ...EMAIL_FIXTURES.out_of_stock,
      shop: { ...EMAIL_FIXTURES.out_of_stock.shop, name: `Shop ${evil}` },
      branding: { ...EMAIL_FIXTURES.out_of_stock.branding, senderName: `Sender ${evil}` },
      section: {
        alertType: "out_of_stock" as const,
        items: [outOfStockItem(1, { productTitle: `Mug ${evil}`, variantTitle: `"><b>bold</b>`, sku: `<i>sku</i>` })],
      },
    };
    const email = await render(content);
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img src=x");
    expect(email.html).not.toContain("<b>bold</b>");
    expect(email.html).not.toContain("<i>sku</i>");
    expect(email.html).toContain("Mug &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // The text part is plain text: the title reads as typed, and the subject is one line.
    expect(email.text).toContain(`Mug ${evil}`);
    expect(email.subject).not.toMatch(/[\r\n]/);

    const failed = await render({
      ...EMAIL_FIXTURES.forecast_failed,
      run: { ...EMAIL_FIXTURES.forecast_failed.run, error: `boom ${evil}` },
    });
    expect(failed.html).not.toContain("<script>");
    expect(failed.html).toContain("boom &lt;script&gt;");
  });

  it("caps long lists and links the rest to the filtered list in Fluxor", async () => {
    const items = Array.from({ length: 45 }, (_, index) => outOfStockItem(index));
    const email = await render({ ...EMAIL_FIXTURES.out_of_stock, section: { alertType: "out_of_stock", items } });
    const shown = [...email.html.matchAll(/\/app\/variants\/(\d+)"/g)].map((match) => Number(match[1]) - 5000);
    // The 20 with the most lost sales per day (44 … 25), in that order.
    expect(shown).toEqual(Array.from({ length: 20 }, (_, index) => 44 - index));
    expect(email.html).toContain("See 25 more products in Fluxor");
    expect(email.text).toContain("See 25 more products in Fluxor: https://");
    expect(email.text).not.toContain("Product 24 ");

    // The engine may pass only the top items, with the section's total.
    const partial = await render({
      ...EMAIL_FIXTURES.out_of_stock,
      section: { alertType: "out_of_stock", items: items.slice(0, 3), totals: { items: 500 } },
    });
    expect(partial.subject).toMatch(/^500 products are out of stock/);
    expect(partial.html).toContain("See 497 more products in Fluxor");

    const digestItems = Array.from({ length: 15 }, (_, index) => outOfStockItem(index));
    const digest = await render({ ...EMAIL_FIXTURES.digest, sections: [{ alertType: "out_of_stock", items: digestItems }] });
    expect([...digest.html.matchAll(/\/app\/variants\/\d+"/g)]).toHaveLength(10);
    expect(digest.html).toContain("See 5 more products in Fluxor");
  });

  it("names one product in the subject, shortened when long", async () => {
    const long = "Extra Large Heavy Duty Waterproof Expedition Duffel Bag With Wheels";
    const email = await render({
      ...EMAIL_FIXTURES.out_of_stock,
      section: {
        alertType: "out_of_stock",
        items: [outOfStockItem(1, { productTitle: long, lostSalesPerDay: { units: 2, amount: 55.5 } })],
      },
    });
    expect(email.subject).toBe("Extra Large Heavy Duty Waterproof Expedition… is out of stock — £56/day in lost sales");
    expect(email.html).toContain(`${long} is out of stock`);
    expect(email.text).toContain("It loses about £56 in sales every day it stays out of stock.");
  });

  it("shows a product's image at its own address when it is not on Shopify's CDN, and the placeholder without one", async () => {
    const standIn = "http://127.0.0.1:5501/cdn/shop/files/30000000001.png";
    const email = await render({
      ...EMAIL_FIXTURES.out_of_stock,
      section: {
        alertType: "out_of_stock",
        items: [
          outOfStockItem(1, { productTitle: "Stand-in Mug", variantTitle: null, imageUrl: standIn }),
          outOfStockItem(2, { productTitle: "Lookalike Host", variantTitle: null, imageUrl: "https://cdn.shopify.com.example.net/a.png" }),
          outOfStockItem(3, { productTitle: "No Picture", variantTitle: null, imageUrl: null }),
        ],
      },
    });
    expect(email.html).toMatch(new RegExp(`<img alt="Stand-in Mug"[^>]* src="${standIn.replace(/[.?]/g, "\\$&")}"`));
    expect(email.html).toContain('src="https://cdn.shopify.com.example.net/a.png"');
    expect(email.html).toMatch(/<img alt="Stand-in Mug"[^>]* width="64"/);
    expect(email.html).toMatch(/<div aria-hidden="true"[^>]*>N<\/div>/);
    // The text part names the products, never their pictures.
    expect(email.text).toContain("Stand-in Mug");
    expect(email.text).not.toMatch(/\.png/);
  });

  it("makes images accessible: alt text on pictures, a hidden placeholder without one", async () => {
    const email = await render(EMAIL_FIXTURES.out_of_stock);
    expect(email.html).toMatch(/<img alt="Trail Runner Socks – M \/ Blue"[^>]* height="64"/);
    expect(email.html).toMatch(/<div aria-hidden="true"[^>]*>M<\/div>/);
    expect([...email.html.matchAll(/<img (?![^>]*\balt=")/g)]).toHaveLength(0);
  });
});

describe("thumbnailUrl", () => {
  it("asks Shopify's CDN for a 160 px image and leaves other hosts alone", () => {
    expect(thumbnailUrl("https://cdn.shopify.com/s/files/1/0612/files/mug.png")).toBe(
      "https://cdn.shopify.com/s/files/1/0612/files/mug.png?width=160",
    );
    expect(thumbnailUrl("https://cdn.shopify.com/s/files/1/files/mug.png?v=17&width=1200")).toBe(
      "https://cdn.shopify.com/s/files/1/files/mug.png?v=17&width=160",
    );
    for (const other of [
      "http://127.0.0.1:5501/cdn/shop/files/30000000001.png",
      "https://shop.example.com/cdn/shop/files/mug.png",
      "https://cdn.shopify.com.example.net/mug.png",
      "https://images.example.com/mug.png?width=2000",
    ])
      expect(thumbnailUrl(other)).toBe(other);
  });
});
