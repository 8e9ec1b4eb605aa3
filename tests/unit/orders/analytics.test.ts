import { describe, expect, it } from "vitest";
import { csvLine } from "../../../app/csv/writer";
import { createI18n } from "../../../app/i18n/i18n";
import ordersEn from "../../../app/i18n/locales/orders/en.json";
import ordersEs from "../../../app/i18n/locales/orders/es.json";
import ordersFr from "../../../app/i18n/locales/orders/fr.json";
import {
  CSV_COLUMNS,
  MAX_DAYS,
  NO_LOCATION,
  bucketStart,
  bucketsOf,
  buildOrderAnalytics,
  byChannel,
  byLocation,
  changeFilter,
  csvRows,
  defaultGranularity,
  ordersSearch,
  parseOrdersParams,
  returnsRate,
  seriesOf,
  totalsOf,
  type DayRow,
  type OrdersFilter,
} from "../../../app/orders/analytics";

const TODAY = "2026-03-20";
const parse = (query: string) => parseOrdersParams(new URLSearchParams(query), TODAY);

function row(partial: Partial<DayRow> & Pick<DayRow, "day">): DayRow {
  return {
    channel: "online_store",
    locationId: "1001",
    draft: false,
    orders: 1,
    units: 2,
    revenueCents: 2000,
    refundedUnits: 0,
    restockedUnits: 0,
    ...partial,
  };
}

const FILTER: OrdersFilter = { from: "2026-03-01", to: "2026-03-20", granularity: "week", channel: "all", location: "all" };
const NAMES = new Map([
  ["1001", "Warehouse"],
  ["1002", "High Street"],
]);

describe("the filters in the URL", () => {
  it("default to the last 30 days of the shop, today included, by day, every channel and location", () => {
    expect(parse("")).toEqual({
      ok: true,
      filter: { from: "2026-02-19", to: TODAY, granularity: "day", channel: "all", location: "all" },
    });
    // An empty value is an absent one; a repeated one counts once (the first).
    expect(parse("from=&channel=pos&channel=other")).toMatchObject({ ok: true, filter: { from: "2026-02-19", channel: "pos" } });
  });

  it("group a long period by week or month unless told otherwise", () => {
    expect(defaultGranularity("2026-01-01", "2026-03-31")).toBe("day");
    expect(parse("from=2025-09-01&to=2026-03-01")).toMatchObject({ ok: true, filter: { granularity: "week" } });
    expect(parse("from=2024-03-21&to=2026-03-20")).toMatchObject({ ok: true, filter: { granularity: "month" } });
    expect(parse("from=2024-03-21&to=2026-03-20&granularity=day")).toMatchObject({ ok: true, filter: { granularity: "day" } });
  });

  it("take a channel, unknown included, a location id or the orders without one", () => {
    for (const channel of ["online_store", "pos", "other", "unknown", "all"]) {
      expect(parse(`channel=${channel}`)).toMatchObject({ ok: true, filter: { channel } });
    }
    expect(parse("location=1002")).toMatchObject({ ok: true, filter: { location: "1002" } });
    expect(parse(`location=${NO_LOCATION}`)).toMatchObject({ ok: true, filter: { location: NO_LOCATION } });
  });

  it("refuse, naming it, every value they cannot use, never dropping it", () => {
    const refused = (query: string) => {
      const parsed = parse(query);
      return parsed.ok ? null : [...new Set(parsed.issues.map((issue) => issue.param))];
    };
    expect(refused("channel=web")).toEqual(["channel"]);
    expect(refused("granularity=year")).toEqual(["granularity"]);
    expect(refused("from=2026-02-30")).toEqual(["from"]);
    expect(refused("from=1999-12-31")).toEqual(["from"]);
    expect(refused("to=tomorrow")).toEqual(["to"]);
    expect(refused("location=-1")).toEqual(["location"]);
    expect(refused("location=9223372036854775808")).toEqual(["location"]);
    expect(refused("location=a%00b")).toEqual(["location"]);
    expect(refused("from=2026-03-21&to=2026-03-20")).toEqual(["from"]);
    // The longest period counts both ends.
    expect(refused("from=2024-03-19&to=2026-03-20")).toEqual(["from"]);
    expect(parse("from=2024-03-20&to=2026-03-20")).toMatchObject({ ok: true });
    expect(MAX_DAYS).toBe(731);
  });

  it("go back to the URL without their defaults, and a new period keeps a chosen granularity only", () => {
    const parsed = parse("from=2026-01-01&to=2026-03-20&channel=pos&location=1001");
    if (!parsed.ok) throw new Error("refused");
    expect(ordersSearch(parsed.filter).toString()).toBe("from=2026-01-01&to=2026-03-20&channel=pos&location=1001");
    expect(parse(ordersSearch(parsed.filter).toString())).toEqual(parsed);
    // Its default granularity (day) follows the period; a chosen one stays.
    expect(changeFilter(parsed.filter, { from: "2025-03-21" }).granularity).toBe("week");
    const weekly = changeFilter(parsed.filter, { granularity: "week" });
    expect(ordersSearch(weekly).get("granularity")).toBe("week");
    expect(changeFilter(weekly, { from: "2026-03-01" }).granularity).toBe("week");
  });
});

describe("buckets", () => {
  it("start on the day, the ISO week's Monday or the month's first day", () => {
    expect(bucketStart("2026-03-18", "day")).toBe("2026-03-18");
    expect(bucketStart("2026-03-22", "week")).toBe("2026-03-16"); // a Sunday
    expect(bucketStart("2026-03-16", "week")).toBe("2026-03-16"); // a Monday
    expect(bucketStart("2026-01-01", "week")).toBe("2025-12-29");
    expect(bucketStart("2026-02-28", "month")).toBe("2026-02-01");
  });

  it("cover every day of the period once, the clipped first and last ones marked partial", () => {
    const weeks = bucketsOf("2026-03-01", "2026-03-20", "week");
    expect(weeks).toEqual([
      { start: "2026-02-23", from: "2026-03-01", to: "2026-03-01", partial: true },
      { start: "2026-03-02", from: "2026-03-02", to: "2026-03-08", partial: false },
      { start: "2026-03-09", from: "2026-03-09", to: "2026-03-15", partial: false },
      { start: "2026-03-16", from: "2026-03-16", to: "2026-03-20", partial: true },
    ]);
    expect(bucketsOf("2026-01-15", "2026-03-31", "month").map((b) => [b.start, b.to, b.partial])).toEqual([
      ["2026-01-01", "2026-01-31", true],
      ["2026-02-01", "2026-02-28", false],
      ["2026-03-01", "2026-03-31", false],
    ]);
    expect(bucketsOf("2024-03-20", "2026-03-20", "day")).toHaveLength(MAX_DAYS);
  });
});

describe("figures", () => {
  const rows: DayRow[] = [
    row({ day: "2026-03-02", orders: 3, units: 10, revenueCents: 10_050, refundedUnits: 2, restockedUnits: 1 }),
    row({ day: "2026-03-03", channel: "pos", locationId: "1002", orders: 2, units: 4, revenueCents: 1_999 }),
    row({
      day: "2026-03-03",
      channel: "other",
      locationId: "1001",
      draft: true,
      orders: 1,
      units: 5,
      revenueCents: 5_000,
      refundedUnits: 1,
    }),
    row({ day: "2026-03-17", channel: "unknown", locationId: NO_LOCATION, orders: 1, units: 1, revenueCents: 1 }),
  ];

  it("add up exactly, in cents, and the returns rate is refunded units over units sold", () => {
    expect(totalsOf(rows)).toEqual({
      orders: 7,
      draftOrders: 1,
      units: 20,
      revenue: 170.5,
      refundedUnits: 3,
      restockedUnits: 1,
      returnsRate: 3 / 20,
    });
    expect(returnsRate(0, 0)).toBeNull();
    expect(totalsOf([]).returnsRate).toBeNull();
  });

  it("by channel: only channels with orders, in the channels' order, unknown last", () => {
    const channels = byChannel([...rows].reverse());
    expect(channels.map((c) => [c.channel, c.orders, c.units])).toEqual([
      ["online_store", 3, 10],
      ["pos", 2, 4],
      ["other", 1, 5],
      ["unknown", 1, 1],
    ]);
    expect(channels[2]).toMatchObject({ draftOrders: 1, returnsRate: 0.2 });
  });

  it("by location: most sales first, named from the shop's list, orders without a location last", () => {
    const locations = byLocation(rows, new Map([["1002", "High Street"]]));
    expect(locations.map((l) => [l.locationId, l.name, l.revenue])).toEqual([
      ["1001", null, 150.5],
      ["1002", "High Street", 19.99],
      [NO_LOCATION, null, 0.01],
    ]);
    expect(locations[0]!.unitsByChannel).toEqual({ online_store: 10, pos: 0, other: 5, unknown: 0 });
  });

  it("series: every bucket, zeros where nothing sold, revenue in the currency, a value per channel", () => {
    const series = seriesOf(rows, FILTER);
    expect(series.units.map((p) => p.start)).toEqual(["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16"]);
    expect(series.units[1]).toMatchObject({ online_store: 10, pos: 4, other: 5, unknown: 0, partial: false });
    expect(series.units[2]).toMatchObject({ online_store: 0, pos: 0, other: 0, unknown: 0 });
    expect(series.revenue[1]).toMatchObject({ online_store: 100.5, pos: 19.99, other: 50 });
    expect(series.revenue[3]).toMatchObject({ unknown: 0.01, partial: true });
  });

  it("the page: channels drawn, drafts apart", () => {
    const analytics = buildOrderAnalytics(rows, FILTER, NAMES);
    expect(analytics.channels).toEqual(["online_store", "pos", "other", "unknown"]);
    expect(analytics.drafts).toMatchObject({ orders: 1, units: 5, revenue: 50 });
    expect(buildOrderAnalytics(rows.slice(0, 2), FILTER, NAMES).drafts).toBeNull();
    expect(buildOrderAnalytics([], FILTER, NAMES)).toMatchObject({ channels: [], byChannel: [], byLocation: [], totals: { orders: 0 } });
  });
});

describe("CSV rows", () => {
  const labels = { channel: (c: string) => `ch:${c}`, location: (id: string) => (id === NO_LOCATION ? "none" : `#${id}`) };

  it("one line per bucket, channel and location, in order, adding up to the totals", () => {
    const rows = [
      row({ day: "2026-03-03", channel: "pos", locationId: "1002", units: 4 }),
      row({ day: "2026-03-02", units: 10, refundedUnits: 1, restockedUnits: 1 }),
      row({ day: "2026-03-04", units: 6 }),
      row({ day: "2026-03-04", draft: true, channel: "other", units: 1 }),
      row({ day: "2026-03-16", locationId: NO_LOCATION, units: 3 }),
      row({ day: "2026-03-17", locationId: "1003", units: 0, revenueCents: 0 }),
    ];
    const lines = csvRows(rows, FILTER, NAMES, "GBP", labels);
    expect(lines).toEqual([
      ["2026-03-02", "2026-03-08", "ch:online_store", "1001", "Warehouse", 2, 0, 16, 40, "GBP", 1, 1, 1 / 16],
      ["2026-03-02", "2026-03-08", "ch:pos", "1002", "High Street", 1, 0, 4, 20, "GBP", 0, 0, 0],
      ["2026-03-02", "2026-03-08", "ch:other", "1001", "Warehouse", 1, 1, 1, 20, "GBP", 0, 0, 0],
      ["2026-03-16", "2026-03-20", "ch:online_store", "1003", "#1003", 1, 0, 0, 0, "GBP", 0, 0, null],
      ["2026-03-16", "2026-03-20", "ch:online_store", null, "none", 1, 0, 3, 20, "GBP", 0, 0, 0],
    ]);
    expect(lines[0]).toHaveLength(CSV_COLUMNS.length);
  });

  it("are written safe to open in a spreadsheet, whatever a location is called", () => {
    const [line] = csvRows([row({ day: "2026-03-02" })], FILTER, new Map([["1001", '=HYPERLINK("x";"y")']]), "EUR", labels);
    expect(csvLine(line!)).toBe(`2026-03-02,2026-03-08,ch:online_store,1001,"'=HYPERLINK(""x"";""y"")",1,0,2,20,EUR,0,0,0\r\n`);
  });
});

describe("the orders namespace", () => {
  const keys = (value: unknown, prefix = ""): string[] =>
    typeof value !== "object" || value === null
      ? [prefix]
      : Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));

  it("has the same keys in English, Spanish and French, registered with i18next", () => {
    expect(keys(ordersEs).sort()).toEqual(keys(ordersEn).sort());
    expect(keys(ordersFr).sort()).toEqual(keys(ordersEn).sort());
    expect(createI18n("fr").t("orders:nav")).toBe(ordersFr.nav);
    expect(createI18n("es").t("orders:channels.unknown")).toBe("Desconocido");
    for (const column of CSV_COLUMNS) expect(ordersEn.csv[column]).toBeTruthy();
  });
});
