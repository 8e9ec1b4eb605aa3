import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIST_QUERY,
  parseSortValue,
  queryFromSearchParams,
  searchParamsFromQuery,
  sortValue,
  updateQuery,
  variantsHref,
} from "../../../app/dashboard/url-state";

describe("variants list URL state", () => {
  it("reads the defaults from an empty URL and writes them back as nothing", () => {
    const query = queryFromSearchParams(new URLSearchParams());
    expect(query).toEqual(DEFAULT_LIST_QUERY);
    expect(searchParamsFromQuery(query).toString()).toBe("");
    expect(variantsHref(query)).toBe("/app/variants");
  });

  it("round-trips filters, search, sort and page", () => {
    const params = new URLSearchParams(
      "q=mug&risk=stockout,reorder&vendor=Acme%20Ltd&abc=A&location=123&sort=stockoutDate&direction=desc&page=3",
    );
    const query = queryFromSearchParams(params);
    expect(query).toMatchObject({
      q: "mug",
      risk: ["stockout", "reorder"],
      vendor: ["Acme Ltd"],
      abc: ["A"],
      location: "123",
      sort: "stockoutDate",
      direction: "desc",
      page: 3,
    });
    expect(queryFromSearchParams(searchParamsFromQuery(query))).toEqual(query);
  });

  it("keeps a vendor or product type whose name contains a comma whole (one parameter per value)", () => {
    const query = queryFromSearchParams(
      new URLSearchParams("vendor=Smith%2C%20Jones%20%26%20Co.&vendor=Acme&productType=Mugs%2C%20cups&risk=stockout,reorder"),
    );
    expect(query.vendor).toEqual(["Smith, Jones & Co.", "Acme"]);
    expect(query.productType).toEqual(["Mugs, cups"]);
    expect(query.risk).toEqual(["stockout", "reorder"]);
    const params = searchParamsFromQuery(query);
    expect(params.getAll("vendor")).toEqual(["Smith, Jones & Co.", "Acme"]);
    expect(queryFromSearchParams(params)).toEqual(query);
  });

  it("drops only the invalid parameters", () => {
    const query = queryFromSearchParams(new URLSearchParams("risk=stockout,bogus&sort=price&page=2&location=abc"));
    expect(query.risk).toBeUndefined();
    expect(query.sort).toBe("risk");
    expect(query.location).toBe("0");
    expect(query.page).toBe(2);
  });

  it("sends the merchant back to page 1 when the list changes, not when paging", () => {
    const query = { ...DEFAULT_LIST_QUERY, page: 4 };
    expect(updateQuery(query, { risk: ["dead"] }).page).toBe(1);
    expect(updateQuery(query, { page: 5 }).page).toBe(5);
  });

  it("links to a filtered list", () => {
    expect(variantsHref({ risk: ["stockout"], sort: "stockoutDate" })).toBe("/app/variants?risk=stockout&sort=stockoutDate");
    expect(variantsHref({ risk: ["dead"], sort: "stockValue", direction: "desc" })).toBe(
      "/app/variants?risk=dead&sort=stockValue&direction=desc",
    );
  });

  it("maps Polaris sort values", () => {
    expect(sortValue("reorderQty", "desc")).toBe("reorderQty desc");
    expect(parseSortValue("reorderQty desc")).toEqual({ sort: "reorderQty", direction: "desc" });
    expect(parseSortValue("price asc")).toBeNull();
    expect(parseSortValue(undefined)).toBeNull();
  });
});
