import { describe, expect, it } from "vitest";
import { CsvError, parseSignalsCsv } from "~/cli/csv";
import { toDay } from "~/forecasting/dates";

describe("the backtest's signals file (parseSignalsCsv)", () => {
  it("reads promotion days per series and for every series", () => {
    const parsed = parseSignalsCsv("series_id,date,signal,value\nA,2024-03-01,promotion,0.25\n*,2024-03-02,Promotion,1\n");
    const promotion = parsed.bySignal.get("promotion")!;
    expect(parsed.rows).toBe(2);
    expect(promotion.get("A")?.get(toDay("2024-03-01"))).toBe(0.25);
    expect(promotion.get("*")?.get(toDay("2024-03-02"))).toBe(1);
  });

  it.each([
    ["series_id,date,units\nA,2024-03-01,1\n", 1, /missing signal, value/],
    ["series_id,date,signal,value\nA,2024-13-01,promotion,1\n", 2, /invalid date/],
    ["series_id,date,signal,value\nA,2024-03-01,weather,1\n", 2, /unknown signal "weather"/],
    ["series_id,date,signal,value\nA,2024-03-01,temperature,warm\n", 2, /temperature must be a number/],
    ["series_id,date,signal,value\nA,2024-03-01,promotion,30\n", 2, /from 0 to 1/],
    ["series_id,date,signal,value\nA,2024-03-01,promotion,\n", 2, /from 0 to 1/],
    ["series_id,date,signal,value\nA,2024-03-01,promotion,1\nA,2024-03-01,promotion,0.5\n", 3, /duplicate promotion row/],
    ["series_id,date,signal,value\n", 2, /no data rows/],
  ])("refuses a bad file with the line that is wrong (%#)", (text, line, message) => {
    let error: unknown;
    try {
      parseSignalsCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).toMatch(message);
    expect((error as CsvError).line).toBe(line);
  });
});
