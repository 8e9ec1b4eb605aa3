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

  it("quotes a cell that holds a semicolon, so Excel with ; as list separator keeps it one text cell (issue 16 item 9)", () => {
    expect(csvCell("Acme;=cmd|' /C calc'!A0;")).toBe(`"Acme;=cmd|' /C calc'!A0;"`);
    expect(csvLine(["Acme;=cmd|' /C calc'!A0;", 3])).toBe(`"Acme;=cmd|' /C calc'!A0;",3\r\n`);
    expect(csvCell("Acme,=1+1")).toBe('"Acme,=1+1"');
    expect(csvCell("a;b")).toBe('"a;b"');
    expect(csvCell("a\tb")).toBe('"a\tb"');
    expect(csvCell("a\rb")).toBe('"a\rb"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });

  it("neutralises every formula lead, and quotes it when it holds a separator", () => {
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1+2")).toBe("'-1+2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe(`"'\t=1"`);
    expect(csvCell("\r=1")).toBe(`"'\r=1"`);
    expect(csvCell("=1;=2")).toBe(`"'=1;=2"`);
    expect(csvCell("-12")).toBe("'-12");
  });

  it("writes real numbers plainly, negative ones included", () => {
    expect(csvCell(-12)).toBe("-12");
    expect(csvCell(15.8)).toBe("15.8");
    expect(csvCell(-0.12345)).toBe("-0.123");
    expect(csvLine([-12, 15.8, "plain", true])).toBe("-12,15.8,plain,true\r\n");
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
