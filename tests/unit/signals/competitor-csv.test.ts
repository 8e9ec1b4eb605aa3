import { describe, expect, it } from "vitest";
import en from "../../../app/i18n/locales/competitors/en.json";
import es from "../../../app/i18n/locales/competitors/es.json";
import fr from "../../../app/i18n/locales/competitors/fr.json";
import {
  competitorTemplate,
  MAX_REPORTED_ERRORS,
  MAX_ROWS,
  parseCompetitorCsv,
  plainSku,
  type CompetitorCsvContext,
  type CompetitorCsvResult,
  type CompetitorLineError,
} from "../../../app/signals/competitor-csv";

const CONTEXT: CompetitorCsvContext = { skus: new Set(["MUG-1", "MUG-2", "TEE,RED"]), today: "2026-03-10", currency: "EUR" };

function errorsOf(result: CompetitorCsvResult): CompetitorLineError[] {
  if (result.ok) throw new Error("expected the file to be refused");
  return result.errors;
}
/** line, column and problem of each error. */
const brief = (errors: CompetitorLineError[]) => errors.map((e) => [e.line, e.column, e.key.replace("competitors:errors.", "")]);

describe("parseCompetitorCsv", () => {
  it("reads a valid file with every column: prices, competitors, SKUs covered", () => {
    const result = parseCompetitorCsv(
      "sku,date,price,competitor,currency\nMUG-1,2026-03-01,12.5,Acme,EUR\nMUG-1,2026-03-01,11,Other,eur\nMUG-2,2026-06-08,9.99,,\n",
      CONTEXT,
    );
    expect(result).toEqual({
      ok: true,
      rows: [
        { sku: "MUG-1", day: "2026-03-01", competitor: "Acme", price: 12.5 },
        { sku: "MUG-1", day: "2026-03-01", competitor: "Other", price: 11 },
        { sku: "MUG-2", day: "2026-06-08", competitor: "", price: 9.99 },
      ],
      skus: 2,
      competitors: ["", "Acme", "Other"],
    });
  });

  it("takes the header in any case and order, a BOM, CRLF line ends, quoted fields and blank lines", () => {
    const text = '\uFEFF"Price", SKU ,Date\r\n"3.00","TEE,RED",2026-03-01\r\n\r\n"4","MUG-1","2026-03-02"\r\n';
    const result = parseCompetitorCsv(text, CONTEXT);
    expect(result).toMatchObject({
      ok: true,
      rows: [
        { sku: "TEE,RED", day: "2026-03-01", competitor: "", price: 3 },
        { sku: "MUG-1", day: "2026-03-02", competitor: "", price: 4 },
      ],
    });
  });

  it("reports every kind of line problem with its line and column, all at once", () => {
    const text = [
      "sku,date,price,competitor,currency",
      "MUG-9,2026-03-01,10,Acme,EUR", // 2 unknown SKU
      ",2026-03-01,10,Acme,EUR", // 3 empty SKU
      "MUG-1,2026-02-30,10,Acme,EUR", // 4 no such day
      "MUG-1,01/03/2026,10,Acme,EUR", // 5 not ISO
      "MUG-1,2026-06-09,10,Acme,EUR", // 6 more than 90 days ahead (today 2026-03-10: latest 2026-06-08)
      "MUG-1,2026-03-01,0,Acme,EUR", // 7 not positive
      "MUG-1,2026-03-01,-3,Acme,EUR", // 8 negative
      "MUG-1,2026-03-01,1000000.01,Acme,EUR", // 9 too high
      "MUG-1,2026-03-01,1.234,Acme,EUR", // 10 three decimals
      "MUG-1,2026-03-01,€12,Acme,EUR", // 11 a symbol
      "MUG-1,2026-03-01,12,Acme,USD", // 12 another currency
      `MUG-1,2026-03-01,12,${"x".repeat(101)},EUR`, // 13 competitor too long
      "MUG-1,2026-03-01,12,Acme", // 14 a field short
      'MUG-1,"2026-03-01,12,Acme,EUR', // 15 unterminated quote
      "MUG-1,2026-03-03,12,Acme,EUR", // 16 fine
      "MUG-1,2026-03-03,13,Acme,", // 17 duplicate of 16 (an empty currency is the shop's)
      "MUG-1,2026-03-03,13,Other,EUR", // 18 fine: another competitor
      "MUG-9,1999-12-31,abc,Acme,USD", // 19 four problems on one line
    ].join("\n");
    const errors = errorsOf(parseCompetitorCsv(text, CONTEXT));
    expect(brief(errors)).toEqual([
      [2, "sku", "unknownSku"],
      [3, "sku", "skuEmpty"],
      [4, "date", "badDate"],
      [5, "date", "badDate"],
      [6, "date", "dateTooFar"],
      [7, "price", "badPrice"],
      [8, "price", "badPrice"],
      [9, "price", "badPrice"],
      [10, "price", "badPrice"],
      [11, "price", "badPrice"],
      [12, "currency", "otherCurrency"],
      [13, "competitor", "competitorTooLong"],
      [14, null, "fieldCount"],
      [15, null, "unterminatedQuote"],
      [17, null, "duplicate"],
      [19, "sku", "unknownSku"],
      [19, "date", "badDate"],
      [19, "price", "badPrice"],
      [19, "currency", "otherCurrency"],
    ]);
    expect(errors[0]!.values).toEqual({ sku: "MUG-9" });
    expect(errors[4]!.values).toEqual({ value: "2026-06-09", max: "2026-06-08", days: 90 });
    expect(errors[10]!.values).toEqual({ value: "USD", currency: "EUR" });
    expect(errors[12]!.values).toEqual({ expected: 5, found: 4 });
    expect(errors[14]!.values).toEqual({ sku: "MUG-1", competitor: "Acme", date: "2026-03-03", first: 16 });
  });

  it("accepts the last allowed day and a price of exactly the maximum", () => {
    const result = parseCompetitorCsv("sku,date,price\nMUG-1,2026-06-08,1000000\nMUG-2,2000-01-01,0.01\n", CONTEXT);
    expect(result.ok).toBe(true);
  });

  it("does not check the currency when the shop's is unknown", () => {
    const result = parseCompetitorCsv("sku,date,price,currency\nMUG-1,2026-03-01,10,USD\n", { ...CONTEXT, currency: null });
    expect(result.ok).toBe(true);
  });

  it("refuses the header: empty file, missing, unknown and repeated columns, on line 1", () => {
    expect(brief(errorsOf(parseCompetitorCsv("", CONTEXT)))).toEqual([[1, null, "noHeader"]]);
    expect(brief(errorsOf(parseCompetitorCsv("\uFEFF\n", CONTEXT)))).toEqual([[1, null, "noHeader"]]);
    const missing = errorsOf(parseCompetitorCsv("sku,day,price\nMUG-1,2026-03-01,1\n", CONTEXT));
    expect(brief(missing)).toEqual([
      [1, null, "unknownColumn"],
      [1, null, "missingColumns"],
    ]);
    expect(missing[1]!.values).toMatchObject({ missing: "date" });
    expect(brief(errorsOf(parseCompetitorCsv("sku,date,price,SKU\n", CONTEXT)))).toEqual([[1, "sku", "duplicateColumn"]]);
    expect(brief(errorsOf(parseCompetitorCsv('sku,"date,price\n', CONTEXT)))).toEqual([[1, null, "badQuoting"]]);
  });

  it("refuses a header without prices", () => {
    expect(brief(errorsOf(parseCompetitorCsv("sku,date,price\n\n", CONTEXT)))).toEqual([[2, null, "noRows"]]);
  });

  it("reports the first 100 problems and counts the rest", () => {
    const lines = ["sku,date,price"];
    for (let i = 0; i < 250; i++) lines.push(`NOPE-${i},2026-03-01,1`);
    const result = parseCompetitorCsv(lines.join("\n"), CONTEXT);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(result.errors[0]!.line).toBe(2);
    expect(result.errors[99]!.line).toBe(101);
    expect(result.moreErrors).toBe(150);
  });

  it("is all-or-nothing: one bad line among many valid ones returns no rows", () => {
    const lines = ["sku,date,price"];
    for (let d = 1; d <= 28; d++) lines.push(`MUG-1,2026-02-${String(d).padStart(2, "0")},10`);
    lines.push("MUG-1,2026-02-30,10");
    const result = parseCompetitorCsv(lines.join("\n"), CONTEXT);
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ line: 30, column: "date" })], moreErrors: 0 });
    expect("rows" in result).toBe(false);
  });

  it(`refuses more than ${MAX_ROWS} lines`, () => {
    const text = `sku,date,price\n${"MUG-1,2026-03-01,1\n".repeat(MAX_ROWS + 1)}`;
    // The only problem reported, although every line after the first repeats it.
    expect(errorsOf(parseCompetitorCsv(text, CONTEXT))).toEqual([
      { line: MAX_ROWS + 2, column: null, key: "competitors:errors.tooManyRows", values: { max: MAX_ROWS } },
    ]);
  });

  it("quotes what it shows of a hostile value within 40 characters, storable", () => {
    const errors = errorsOf(parseCompetitorCsv(`sku,date,price\n${"\u0000".repeat(50)},2026-03-01,1\n`, CONTEXT));
    expect(errors[0]!.values!.sku).toBe(`${"\uFFFD".repeat(40)}…`);
  });
});

describe("competitorTemplate", () => {
  it("is the header and one example row the parser accepts", () => {
    const text = competitorTemplate({ sku: "MUG-1", day: "2026-03-09", currency: "EUR" });
    expect(text).toBe("sku,date,price,competitor,currency\r\nMUG-1,2026-03-09,19.99,Example Store,EUR\r\n");
    expect(parseCompetitorCsv(text, CONTEXT).ok).toBe(true);
  });

  it("only shows a SKU a spreadsheet keeps as it is", () => {
    expect(plainSku("MUG-1")).toBe(true);
    expect(plainSku('=HYPERLINK("x")')).toBe(false);
    expect(plainSku("A;B")).toBe(false);
    expect(competitorTemplate({ sku: null, day: "2026-03-09", currency: null })).toContain("\r\nSKU-1,2026-03-09,19.99,Example Store,\r\n");
  });
});

describe("the competitors namespace", () => {
  const keys = (value: unknown, prefix = ""): string[] =>
    typeof value === "object" && value !== null
      ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
      : [prefix];

  it("has the same keys in English, Spanish and French", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
    expect(keys(fr).sort()).toEqual(keys(en).sort());
  });

  it("has a message for every problem the parser reports", () => {
    const problems = [
      "noHeader",
      "badQuoting",
      "unterminatedQuote",
      "unknownColumn",
      "duplicateColumn",
      "missingColumns",
      "tooManyRows",
      "fieldCount",
      "skuEmpty",
      "unknownSku",
      "badDate",
      "dateTooFar",
      "badPrice",
      "competitorTooLong",
      "competitorInvalid",
      "otherCurrency",
      "duplicate",
      "noRows",
    ];
    for (const problem of problems) expect(Object.keys(en.errors)).toContain(problem);
  });
});
