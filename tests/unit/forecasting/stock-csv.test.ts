import { describe, expect, it } from "vitest";
import { parseStockCsv } from "~/cli/stock-csv";

describe("stock CSV (--stock)", () => {
  it("reads series_id,available in any column order, with a BOM, quoting, CRLF and extra columns", () => {
    const p = parseStockCsv('\uFEFFlocation,Available,series_id\r\nA,0,"85123A"\r\nA,-3,10133\r\nB,12.5,X\r\n');
    expect([...p.available]).toEqual([
      ["85123A", 0],
      ["10133", -3],
      ["X", 12.5],
    ]);
    expect(p.rows).toBe(3);
  });

  it.each([
    ["", /line 1: the file is empty \(expected a header: series_id,available\)/],
    ["series_id,units\nA,1\n", /line 1: header must contain series_id,available; missing available/],
    ["series_id,available\n", /line 2: no data rows after the header/],
    ["series_id,available\nA,0\n\nB,1\n", /line 3: empty line/],
    ["series_id,available\nA,0,7\n", /line 2: expected 2 fields, found 3/],
    ["series_id,available\n,4\n", /line 2: series_id is empty/],
    ["series_id,available\nA,lots\n", /line 2: available must be a number of units \(negative when oversold\), got "lots"/],
    ["series_id,available\nA,\n", /line 2: available must be a number of units/],
    ["series_id,available\nA,0\nB,1\nA,2\n", /line 4: duplicate row for series A \(first seen on line 2\)/],
    ['series_id,available\n"A,0\n', /line 2: unterminated quoted field/],
  ])("rejects %j with the line", (text, message) => {
    expect(() => parseStockCsv(text)).toThrow(message);
  });
});
