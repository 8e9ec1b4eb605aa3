import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { poisson, rng } from "./helpers";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Spawn a CLI with tsx (async, so the cases can run concurrently). */
function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [path.join(root, script), ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function csv(name: string, rows: string[]): string {
  const f = path.join(dir, name);
  writeFileSync(f, rows.join("\n") + "\n");
  return f;
}

function demand(ids: string[], days: number, withStock = false): string[] {
  const out = [withStock ? "series_id,date,units,in_stock" : "series_id,date,units"];
  for (const id of ids)
    for (let i = 0; i < days; i++) {
      const d = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      const u = (i * 7 + id.length) % 5;
      out.push(withStock ? `${id},${d},${u},${i % 17 === 0 ? 0 : 1}` : `${id},${d},${u}`);
    }
  return out;
}

describe.concurrent("forecast CLI", { timeout: 60_000 }, () => {
  it("writes one row per series per future day with the exact header", async () => {
    const input = csv("ok.csv", demand(["A1", "B2"], 120, true));
    const output = path.join(dir, "out.csv");
    const r = await run("app/cli/forecast.ts", ["--input", input, "--horizon", "10", "--output", output, "--country", "GB"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(output, "utf8").trim().split("\n");
    expect(lines[0]).toBe("series_id,date,forecast,lo80,hi80,lo95,hi95");
    expect(lines).toHaveLength(1 + 2 * 10);
    expect(lines[1]!.startsWith("A1,2024-04-30,")).toBe(true); // day after 2024-04-29
    expect(lines[11]!.startsWith("B2,2024-04-30,")).toBe(true);
    for (const l of lines.slice(1)) {
      const [, , f, lo80, hi80, lo95, hi95] = l.split(",").map(Number);
      expect(lo95!).toBeGreaterThanOrEqual(0);
      expect(lo95! <= lo80! && lo80! <= f! && f! <= hi80! && hi80! <= hi95!).toBe(true);
    }
  });

  it("names the bad line, exits non-zero and leaves no output file", async () => {
    const rows = demand(["A1"], 30);
    rows[7] = "A1,2024-02-30,3";
    const input = csv("bad-date.csv", rows);
    const output = path.join(dir, "never.csv");
    const r = await run("app/cli/forecast.ts", ["--input", input, "--horizon", "7", "--output", output]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/line 8: invalid date "2024-02-30"/);
    expect(existsSync(output)).toBe(false);
  });

  it.each([
    ["negative units", (rows: string[]) => (rows[3] = "A1,2024-01-03,-2"), /line 4: units must be a number ≥ 0/],
    ["non-numeric units", (rows: string[]) => (rows[5] = "A1,2024-01-05,lots"), /line 6: units must be a number/],
    ["duplicate day", (rows: string[]) => (rows[9] = "A1,2024-01-02,1"), /line 10: duplicate row for series A1 on 2024-01-02/],
    ["missing field", (rows: string[]) => (rows[2] = "A1,2024-01-02"), /line 3: expected 3 fields, found 2/],
    ["bad header", (rows: string[]) => (rows[0] = "sku,date,units"), /line 1: header must contain series_id,date,units/],
  ])("rejects %s", async (_name, mutate, message) => {
    const rows = demand(["A1"], 30);
    mutate(rows);
    const slug = _name.replace(/\W+/g, "-");
    const output = path.join(dir, `never-${slug}.csv`);
    const r = await run("app/cli/forecast.ts", ["--input", csv(`bad-${slug}.csv`, rows), "--horizon", "7", "--output", output]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(existsSync(output)).toBe(false);
  });

  it("rejects bad arguments", async () => {
    const input = csv("ok2.csv", demand(["A1"], 30));
    const r1 = await run("app/cli/forecast.ts", ["--input", input, "--horizon", "zero", "--output", path.join(dir, "x.csv")]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(/--horizon must be an integer/);
    const r2 = await run("app/cli/forecast.ts", [
      "--input",
      input,
      "--horizon",
      "7",
      "--output",
      path.join(dir, "x.csv"),
      "--country",
      "XX",
    ]);
    expect(r2.stderr).toMatch(/unknown --country/);
    expect(existsSync(path.join(dir, "x.csv"))).toBe(false);
  });
});

describe.concurrent("backtest CLI", { timeout: 60_000 }, () => {
  it("prints the metrics table for Fluxor and both baselines", async () => {
    const input = csv("bt.csv", demand(["A1", "B2", "C3"], 150));
    const r = await run("app/cli/backtest.ts", ["--input", input, "--horizon", "28", "--country", "GB"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/method\s+acc_total\s+1-WAPE\s+bias\s+MASE\s+cover80\s+cover95/);
    expect(r.stdout).toMatch(/^fluxor\s/m);
    expect(r.stdout).toMatch(/^seasonal-naive-7\s/m);
    expect(r.stdout).toMatch(/^moving-average-28\s/m);
  });
  it("names the bad line", async () => {
    const rows = demand(["A1"], 60);
    rows[12] = "A1,2024-01-12,1,extra";
    const r = await run("app/cli/backtest.ts", ["--input", csv("bt-bad.csv", rows), "--horizon", "28"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/line 13: expected 3 fields, found 4/);
  });
});

/** Best sellers at ~20/day for 300 days, then 60 days without a sale; four ordinary sellers beside them (so the shop is open). */
function stoppedSellers(ids: string[]): string[] {
  const r = rng(99);
  const out = ["series_id,date,units"];
  for (const id of [...ids, "N1", "N2", "N3", "N4"])
    for (let i = 0; i < 360; i++) {
      const d = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      const stopped = ids.includes(id) && i >= 300;
      out.push(`${id},${d},${stopped ? 0 : poisson(r, ids.includes(id) ? 20 : 5)}`);
    }
  return out;
}

/** Mean daily forecast per series from a forecast CSV. */
function meanForecast(file: string): Map<string, number> {
  const sums = new Map<string, number[]>();
  for (const l of readFileSync(file, "utf8").trim().split("\n").slice(1)) {
    const [id, , f] = l.split(",");
    sums.set(id!, [...(sums.get(id!) ?? []), Number(f)]);
  }
  return new Map([...sums].map(([id, v]) => [id, v.reduce((a, b) => a + b, 0) / v.length]));
}

describe.concurrent("forecast CLI --stock", { timeout: 60_000 }, () => {
  const input = csv("stopped.csv", stoppedSellers(["OUT", "ONHAND", "NOROW"]));

  it("~20/day for 300 days then 60 zeros: ≥ 10/day with 0 available, < 5/day with 500, unchanged without a stock row", async () => {
    const stock = csv("stock.csv", ["series_id,available", "OUT,0", "ONHAND,500", "N1,40", "GONE,3"]);
    const withStock = path.join(dir, "with-stock.csv");
    const without = path.join(dir, "without-stock.csv");
    const [a, b] = await Promise.all([
      run("app/cli/forecast.ts", ["--input", input, "--horizon", "28", "--output", withStock, "--stock", stock]),
      run("app/cli/forecast.ts", ["--input", input, "--horizon", "28", "--output", without]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const m = meanForecast(withStock);
    expect(m.get("OUT")!).toBeGreaterThanOrEqual(10);
    expect(m.get("ONHAND")!).toBeLessThan(5);
    expect(a.stderr).toMatch(
      /1 out of stock, 1 with the trailing zero run censored by inference; 1 stock row\(s\) for series not in the input ignored/,
    );
    // Only the series at 0 stock changes: every other line is what the run without --stock wrote.
    const lines = (f: string): string[] => readFileSync(f, "utf8").trim().split("\n");
    const other = (l: string): boolean => !l.startsWith("OUT,");
    expect(lines(withStock).filter(other)).toEqual(lines(without).filter(other));
    expect(meanForecast(without).get("OUT")!).toBeLessThan(5);
    expect(b.stderr).not.toMatch(/out of stock/);
  });

  it("rejects a bad stock file naming the line, exits non-zero and writes nothing", async () => {
    const stock = csv("stock-bad.csv", ["series_id,available", "OUT,0", "ONHAND,lots"]);
    const output = path.join(dir, "never-stock.csv");
    const r = await run("app/cli/forecast.ts", ["--input", input, "--horizon", "7", "--output", output, "--stock", stock]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/stock-bad\.csv: line 3: available must be a number of units/);
    expect(existsSync(output)).toBe(false);
  });

  it("fails on a missing stock file", async () => {
    const output = path.join(dir, "never-stock-missing.csv");
    const r = await run("app/cli/forecast.ts", [
      "--input",
      input,
      "--horizon",
      "7",
      "--output",
      output,
      "--stock",
      path.join(dir, "nope.csv"),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/stock file not found/);
    expect(existsSync(output)).toBe(false);
  });
});
