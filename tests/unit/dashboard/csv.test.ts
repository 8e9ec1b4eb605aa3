import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "../../../app/csv/writer";
import { contentDisposition, forecastCsv } from "../../../app/dashboard/csv";
import { filenameFromDisposition } from "../../../app/dashboard/download";
import { forecastDetail } from "./fixtures";

describe("CSV", () => {
  it("quotes what needs quoting and neutralises formulas", () => {
    expect(csvCell('Mug, "large"')).toBe('"Mug, ""large"""');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("writes a variant's history and forecast", () => {
    const lines = forecastCsv(forecastDetail()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("day,kind,units_sold,forecast,lo80,hi80,lo95,hi95,projected_stock,model");
    expect(lines).toHaveLength(1 + 10 + 5);
    expect(lines[1]).toBe("2026-02-20,history,0,,,,,,,");
    expect(lines[11]).toBe("2026-03-02,forecast,,2,1,3,-0.5,4,8,ets");
  });

  it("names the download, also in UTF-8", () => {
    const header = contentDisposition("prévisions.csv");
    expect(header).toBe("attachment; filename=\"pr_visions.csv\"; filename*=UTF-8''pr%C3%A9visions.csv");
    expect(filenameFromDisposition(header, "x.csv")).toBe("prévisions.csv");
    expect(filenameFromDisposition('attachment; filename="a.csv"', "x.csv")).toBe("a.csv");
    expect(filenameFromDisposition(null, "x.csv")).toBe("x.csv");
  });
});
