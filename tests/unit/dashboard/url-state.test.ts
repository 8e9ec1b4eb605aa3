import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIST_QUERY,
  exportQueryFromSearchParams,
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
      "q=mug&risk=stockout,reorder&vendor=Acme%20Ltd&abc=A&unusual=1&location=123&sort=stockoutDate&direction=desc&page=3",
    );
    const query = queryFromSearchParams(params);
    expect(query).toMatchObject({
      q: "mug",
      risk: ["stockout", "reorder"],
      vendor: ["Acme Ltd"],
      abc: ["A"],
      unusual: true,
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

describe("the variants export's query (issue 16 item 4)", () => {
  it("is the list's query when every parameter is valid; paging is not read", () => {
    const params = new URLSearchParams("q=mug&risk=stockout&vendor=Acme&sort=daysOfCover&page=0&pageSize=1");
    const parsed = exportQueryFromSearchParams(params);
    expect(parsed).toEqual({
      ok: true,
      query: { ...DEFAULT_LIST_QUERY, q: "mug", risk: ["stockout"], vendor: ["Acme"], sort: "daysOfCover" },
    });
  });

  it("refuses a parameter the page would drop: a NUL in the search, a bad filter, an id past bigint", () => {
    expect(exportQueryFromSearchParams(new URLSearchParams("q=a%00b"))).toEqual({
      ok: false,
      issues: [{ param: "q", message: expect.stringContaining("NUL") }],
    });
    const many = exportQueryFromSearchParams(new URLSearchParams("vendor=ok&vendor=b%00&risk=nope&location=9223372036854775808"));
    expect(many.ok).toBe(false);
    if (!many.ok) expect(many.issues.map((issue) => issue.param).sort()).toEqual(["location", "risk", "vendor"]);
    // The page drops the bad search and shows the whole list: the export must not do the same silently.
    expect(queryFromSearchParams(new URLSearchParams("q=a%00b")).q).toBeUndefined();
  });
});
