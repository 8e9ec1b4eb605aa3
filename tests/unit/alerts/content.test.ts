/** The alert email's items as the alerts engine builds them: the product's image goes through as its URL, or null. */
import { describe, expect, it } from "vitest";
import { sectionFor } from "../../../app/alerts/content";
import { AlertSection } from "../../../app/email/model";
import { outOfStock, rule, subject } from "./fixtures";

describe("sectionFor", () => {
  it("carries the product's image URL, null without one or in facts recorded before images were synced", () => {
    const url = "https://cdn.shopify.com/s/files/1/0612/files/linen-shirt.png?v=1";
    const section = sectionFor(
      "out_of_stock",
      [
        { subject: outOfStock({ variantId: "1", imageUrl: url, lostRevenuePerDay: 90 }), ruleId: "out_of_stock" },
        { subject: outOfStock({ variantId: "2", imageUrl: null, lostRevenuePerDay: 60 }), ruleId: "out_of_stock" },
        { subject: outOfStock({ variantId: "3", lostRevenuePerDay: 30 }), ruleId: "out_of_stock" },
      ],
      [rule({ type: "out_of_stock" })],
    );
    const parsed = AlertSection.parse(section);
    expect(parsed.items.map((item) => [item.variantId, item.imageUrl])).toEqual([
      ["1", url],
      ["2", null],
      ["3", null],
    ]);
  });

  it("passes the stand-in's http image URL as it is", () => {
    const url = "http://127.0.0.1:5501/cdn/shop/files/30000000001.png";
    const section = sectionFor(
      "low_stock",
      [{ subject: subject({ available: 2, risk: "reorder", imageUrl: url }), ruleId: "low_stock" }],
      [rule({ type: "low_stock" })],
    );
    expect(AlertSection.parse(section).items[0]?.imageUrl).toBe(url);
  });
});
