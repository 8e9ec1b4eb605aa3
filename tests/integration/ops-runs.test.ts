/**
 * The operator console's forecast runs page (`/ops/runs`, issue 17 item 8) against real PostgreSQL and the real app
 * (Remix build + Express): forecast runs of two shops written as the runs write them (completed, failed, running; one
 * older than the default period; a stored accuracy and model mix that no longer validate), then the page's answer
 * (figures, series, rows, filters, pages), its CSV export (localised header, formula-safe cells, every run across
 * the export's batches, audited), and its refusals: no session → sign-in, hostile filters → 400, never 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as RunsServer from "../../app/ops/runs.server";
import { daysBetween } from "../../app/dashboard/format";
import { createTestDatabase, sql } from "../support/db";
import { BROWSER_HEADERS, DEMO_OPERATOR, startStack, type Stack } from "../demo/stack";

const DAY = 86_400_000;
/** The routes use the real clock, so the runs are placed relative to now: today's UTC midnight and days before it. */
const NOW = new Date();
const MIDNIGHT = Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate());
const at = (daysAgo: number, hour: number) => new Date(MIDNIGHT - daysAgo * DAY + hour * 3_600_000);
const day = (daysAgo: number) => at(daysAgo, 0).toISOString().slice(0, 10);
const TODAY = day(0);
/** The default period, named explicitly: a test that crosses midnight UTC still asks for the same days. */
const PERIOD = `from=${day(29)}&to=${TODAY}`;

const ALPHA = "alpha-runs.myshopify.com";
const BETA = "beta-runs.myshopify.com";
/** A failed run's error, long, and starting like a spreadsheet formula. */
const ERROR = `=HYPERLINK("http://evil.test") batch 3 used all its attempts: ${"the worker ran out of memory; ".repeat(4)}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let runs: typeof RunsServer;
let cookie = "";
const shops: Record<string, string> = {};
const ids: Record<string, string> = {};

interface Seed {
  key: string;
  shop: string;
  trigger: string;
  status: "running" | "completed" | "failed";
  startedAt: Date;
  durationMs: number | null;
  accuracy?: unknown;
  modelMix?: unknown;
  seriesCount?: number;
  errorCount?: number;
  batches?: [number, number];
  error?: string;
}

async function run(seed: Seed): Promise<void> {
  const [row] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "ForecastRun" (id, "shopId", trigger, status, "asOf", horizon, "batchesTotal", "batchesDone", "seriesCount", "errorCount",
                                "modelMix", accuracy, "durationMs", error, "startedAt", "finishedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, ($4::timestamptz - interval '1 day')::date, 90, $5, $6, $7, $8, $9, $10, $11, $12, $4,
             CASE WHEN $3 = 'running' THEN NULL ELSE $4::timestamptz + make_interval(secs => $11::int / 1000.0) END)
     RETURNING id`,
    [
      shops[seed.shop],
      seed.trigger,
      seed.status,
      seed.startedAt,
      seed.batches?.[1] ?? 4,
      seed.batches?.[0] ?? (seed.status === "running" ? 0 : 4),
      seed.seriesCount ?? 0,
      seed.errorCount ?? 0,
      JSON.stringify(seed.modelMix ?? {}),
      JSON.stringify(seed.accuracy ?? {}),
      seed.durationMs,
      seed.error ?? null,
    ],
  );
  ids[seed.key] = row!.id;
}

const accuracy = (accTotal: number, mase: number) => ({
  accTotal,
  mase,
  wape: 0.3,
  bias: -0.05,
  coverage80: 0.78,
  coverage95: 0.93,
  series: 100,
});

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ inlineWorker: false });
  runs = await import("../../app/ops/runs.server");
  for (const domain of [ALPHA, BETA]) {
    const [shop] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "updatedAt") VALUES (gen_random_uuid(), $1, now()) RETURNING id`,
      [domain],
    );
    shops[domain] = shop!.id;
  }
  await run({
    key: "A1",
    shop: ALPHA,
    trigger: "nightly",
    status: "completed",
    startedAt: at(1, 2),
    durationMs: 60_000,
    accuracy: { ...accuracy(0.8, 0.9), batchMs: 50_000 },
    modelMix: { ets: 60, croston: 30, naive: 8, mstl: 2 },
    seriesCount: 100,
    errorCount: 2,
  });
  await run({ key: "A2", shop: ALPHA, trigger: "data_change", status: "failed", startedAt: at(2, 10), durationMs: 5_000, error: ERROR });
  // Still running: its accuracy holds only the batches' sums so far.
  await run({
    key: "A3",
    shop: ALPHA,
    trigger: "manual",
    status: "running",
    startedAt: new Date(Math.max(MIDNIGHT, NOW.getTime() - 60_000)),
    durationMs: null,
    accuracy: { batches: { "0": { series: 25, errors: 0 } } },
    batches: [2, 5],
  });
  // Older than the default 30 days.
  await run({
    key: "A4",
    shop: ALPHA,
    trigger: "nightly",
    status: "completed",
    startedAt: at(40, 2),
    durationMs: 1_000,
    accuracy: accuracy(0.5, 1),
  });
  await run({
    key: "B1",
    shop: BETA,
    trigger: "nightly",
    status: "completed",
    startedAt: at(1, 3),
    durationMs: 120_000,
    accuracy: accuracy(0.6, 1.1),
    modelMix: { ets: 10 },
    seriesCount: 10,
  });
  // Stored values that no longer validate: unknown, not a failure of the page.
  await run({
    key: "B2",
    shop: BETA,
    trigger: "settings",
    status: "completed",
    startedAt: at(3, 12),
    durationMs: 30_000,
    accuracy: { accTotal: 0.7, mase: "n/a" },
    modelMix: { ets: "many" },
    seriesCount: 10,
  });
  // Pages: 1 005 runs of beta 50–59 days ago, three to a second (ties on startedAt), every seventh failed (the statuses,
  // read apart, interleave on the pages).
  await sql(
    db.url,
    `INSERT INTO "ForecastRun" (id, "shopId", trigger, status, "asOf", horizon, "durationMs", accuracy, "startedAt", "finishedAt")
     SELECT gen_random_uuid(), $1, 'nightly', CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'completed' END, $2::date, 90, 1000, '{"accTotal": 0.5}', $3::timestamptz + make_interval(secs => i / 3), now()
       FROM generate_series(0, 1004) AS i`,
    [shops[BETA], day(59), at(59, 1)],
  );

  const ip = "198.51.100.40";
  const form = await fetch(`${stack.opsUrl}/login?_data=routes%2Fops.login`, { headers: { ...BROWSER_HEADERS, "X-Forwarded-For": ip } });
  const { csrf } = (await form.json()) as { csrf: string };
  const signedIn = await fetch(`${stack.opsUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...BROWSER_HEADERS,
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Forwarded-For": ip,
      Cookie: form.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; "),
    },
    body: new URLSearchParams({ user: DEMO_OPERATOR.user, password: DEMO_OPERATOR.password, csrf, next: "/ops/runs" }),
  });
  expect(signedIn.status).toBe(302);
  cookie = signedIn.headers
    .getSetCookie()
    .find((c) => c.startsWith("fluxor-ops="))!
    .split(";")[0]!;
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

function get(path: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.opsUrl.replace(/\/ops$/, "")}${path}`, {
    redirect: "manual",
    headers: { ...BROWSER_HEADERS, Cookie: cookie, ...headers },
  });
}

/** The page's loader data for `query`. */
async function page(query: string): Promise<RunsServer.RunsReport> {
  const response = await get(`/ops/runs?${query}${query ? "&" : ""}_data=routes%2Fops.runs`);
  expect(response.status, query).toBe(200);
  return (await response.json()) as RunsServer.RunsReport;
}

const keys = (report: RunsServer.RunsReport) => report.rows.map((row) => Object.entries(ids).find(([, id]) => id === row.id)?.[0] ?? "?");

describe("the page's answer", () => {
  it("lists the last 30 days' runs of every shop, newest first, with the period's figures", async () => {
    const byDefault = await page("");
    expect(byDefault.filter).toMatchObject({ q: "", status: null, trigger: null, page: 1 });
    expect([TODAY, day(-1)]).toContain(byDefault.filter.to);
    expect(daysBetween(byDefault.filter.from, byDefault.filter.to)).toBe(29);
    expect(keys(byDefault)).toEqual(["A3", "B1", "A1", "A2", "B2"]);
    const report = await page(PERIOD);
    expect(report.filter).toEqual({ q: "", status: null, trigger: null, from: day(29), to: TODAY, page: 1 });
    expect(keys(report)).toEqual(["A3", "B1", "A1", "A2", "B2"]);
    expect(report.total).toBe(5);
    expect(report.figures).toEqual({
      runs: 5,
      completed: 3,
      failed: 1,
      running: 1,
      failureRate: 0.25,
      durationMedianMs: 60_000,
      // Completed runs' 30 s, 60 s, 120 s: position 1.9 → 60 + 0.9 × 60.
      durationP95Ms: 114_000,
      accuracyMedian: 0.7,
    });
  });

  it("gives each run's timing, failures, top models and accuracy; a failed run's error; a running run's progress", async () => {
    const report = await page(PERIOD);
    const row = (key: string) => report.rows.find((r) => r.id === ids[key])!;
    expect(row("A1")).toMatchObject({
      shopDomain: ALPHA,
      trigger: "nightly",
      status: "completed",
      asOf: day(2),
      startedAt: at(1, 2).toISOString(),
      durationMs: 60_000,
      seriesCount: 100,
      errorCount: 2,
      error: null,
      accuracy: { accTotal: 0.8, mase: 0.9, coverage80: 0.78, coverage95: 0.93 },
      models: {
        top: [
          { model: "ets", series: 60 },
          { model: "croston", series: 30 },
          { model: "naive", series: 8 },
        ],
        otherModels: 1,
        otherSeries: 2,
        series: 100,
      },
    });
    expect(row("A2")).toMatchObject({ status: "failed", error: ERROR, durationMs: 5_000, accuracy: { accTotal: null, mase: null } });
    expect(row("A3")).toMatchObject({ status: "running", durationMs: null, batchesDone: 2, batchesTotal: 5, accuracy: { accTotal: null } });
    // The stored values that do not validate are unknown; the rest of the run is shown.
    expect(row("B2")).toMatchObject({ accuracy: { accTotal: 0.7, mase: null }, models: { top: [], series: 0 } });
  });

  it("gives a series of every day of the period: runs, failures and the median accuracy of completed runs", async () => {
    const { series } = await page(PERIOD);
    expect(series).toHaveLength(30);
    expect(series[0]!.day).toBe(day(29));
    expect(series.at(-1)!.day).toBe(TODAY);
    const of = (daysAgo: number) => series.find((d) => d.day === day(daysAgo));
    expect(of(1)).toEqual({ day: day(1), runs: 2, failed: 0, accuracyMedian: 0.7 });
    expect(of(2)).toEqual({ day: day(2), runs: 1, failed: 1, accuracyMedian: null });
    expect(of(3)).toEqual({ day: day(3), runs: 1, failed: 0, accuracyMedian: 0.7 });
    expect(of(5)).toEqual({ day: day(5), runs: 0, failed: 0, accuracyMedian: null });
  });

  it("filters by shop domain (any case), status, trigger and period, each filter narrowing the figures too", async () => {
    expect(keys(await page(`${PERIOD}&q=ALPHA-runs`))).toEqual(["A3", "A1", "A2"]);
    const failed = await page(`${PERIOD}&status=failed`);
    expect(keys(failed)).toEqual(["A2"]);
    expect(failed.figures).toMatchObject({ runs: 1, failed: 1, failureRate: 1, durationMedianMs: null });
    expect(keys(await page(`${PERIOD}&trigger=nightly`))).toEqual(["B1", "A1"]);
    expect(keys(await page(`${PERIOD}&q=beta&status=completed`))).toEqual(["B1", "B2"]);
    expect(keys(await page(`from=${day(45)}&to=${day(35)}`))).toEqual(["A4"]);
    expect((await page(`${PERIOD}&q=no-such-shop`)).figures.runs).toBe(0);
    // Asked directly of the read model: the same rows.
    const direct = await runs.loadRuns({ q: "alpha", status: null, trigger: null, from: day(29), to: TODAY, page: 1 });
    expect(direct.rows.map((r) => r.id)).toEqual([ids.A3, ids.A1, ids.A2]);
  });

  it("pages 50 runs at a time, newest first, every run on one page; a page past the last is empty, not an error", async () => {
    const window = `from=${day(60)}&to=${day(50)}`;
    const pages = [];
    for (let n = 1; n <= 21; n++) pages.push(await page(`${window}&page=${n}`));
    expect(pages[0]!.total).toBe(1005);
    expect(pages[0]!.figures).toMatchObject({ completed: 861, failed: 144 });
    expect(pages.map((p) => p.rows.length)).toEqual([...Array(20).fill(50), 5]);
    const all = pages.flatMap((p) => p.rows);
    expect(new Set(all.map((r) => r.id)).size).toBe(1005);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(["completed", "failed"]));
    const order = all.map((r) => [r.startedAt, r.id] as const);
    const sorted = [...order].sort(([a, x], [b, y]) => (a === b ? y.localeCompare(x) : b.localeCompare(a)));
    expect(order).toEqual(sorted);
    expect((await page(`${window}&page=22`)).rows).toEqual([]);
  });

  it("renders the page in the operator's language", async () => {
    const en = await get("/ops/runs");
    expect(en.status).toBe(200);
    expect(en.headers.get("x-frame-options")).toBe("DENY");
    const html = await en.text();
    expect(html).toContain("Forecast runs");
    expect(html).toContain(ALPHA);
    const es = await (await get("/ops/runs", { "Accept-Language": "es-ES" })).text();
    expect(es).toContain("Ejecuciones de previsión");
    // Nothing matches: the figures, and the empty state instead of the chart and the list.
    const none = await (await get("/ops/runs?q=no-such-shop")).text();
    expect(none).toContain("No forecast run matches");
    expect(none).not.toContain(ALPHA);
  });
});

const csvLines = async (response: Response) => (await response.text()).trimEnd().split("\r\n");

describe("the CSV export", () => {
  it("has every run of the filters, a header in the operator's language, formula-safe cells, and is audited", async () => {
    const response = await get(`/ops/runs.csv?q=alpha&${PERIOD}`, { "Accept-Language": "fr" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    expect(response.headers.get("content-disposition")).toContain(`fluxor-forecast-runs-${day(29)}-${TODAY}.csv`);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const [header, ...rows] = await csvLines(response);
    expect(header!.split(",").slice(0, 5)).toEqual(["Lancement (UTC)", "Fin (UTC)", "Boutique", "Déclencheur", "Statut"]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain(ids.A3);
    const a1 = rows.find((r) => r.includes(ids.A1!))!;
    expect(a1.startsWith(`${at(1, 2).toISOString()},`)).toBe(true);
    expect(a1).toContain(
      `,${ALPHA},nightly,completed,${day(2)},90,60,4,4,100,2,ets=60 croston=30 naive=8 mstl=2,0.8,0.9,0.3,-0.05,0.78,0.93,,`,
    );
    // The error starts like a formula: written as text, quoted.
    const a2 = rows.find((r) => r.includes(ids.A2!))!;
    expect(a2).toContain(`"'=HYPERLINK(""http://evil.test"") batch 3`);
    const [audit] = await sql<{ detail: Record<string, unknown> }>(
      db.url,
      `SELECT detail FROM "AuditLog" WHERE event = 'ops_export' AND detail->>'report' = 'forecast_runs' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit!.detail).toEqual({ user: DEMO_OPERATOR.user, report: "forecast_runs", from: day(29), to: TODAY, q: "alpha" });
  });

  it("walks past its batches of 1 000 without losing or repeating a run", async () => {
    const [header, ...rows] = await csvLines(await get(`/ops/runs.csv?from=${day(60)}&to=${day(50)}`));
    expect(header).toMatch(/^Started \(UTC\),/);
    expect(rows).toHaveLength(1005);
    expect(new Set(rows.map((r) => r.split(",").at(-1))).size).toBe(1005);
  });
});

describe("refusals", () => {
  it("answer 404 when no operator is configured", async () => {
    const saved = process.env.FLUXOR_OPS_USERS;
    delete process.env.FLUXOR_OPS_USERS;
    try {
      for (const path of ["/ops/runs", "/ops/runs.csv"]) expect((await get(path)).status, path).toBe(404);
    } finally {
      process.env.FLUXOR_OPS_USERS = saved;
    }
  });

  it("sends a visitor without a session to sign-in, for the page and the CSV", async () => {
    for (const path of ["/ops/runs", "/ops/runs?status=failed", "/ops/runs.csv"]) {
      const response = await get(path, { Cookie: "" });
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location")).toBe(`/ops/login?next=${encodeURIComponent(path)}`);
    }
    const forged = await get("/ops/runs.csv", { Cookie: `${cookie.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(302);
  });

  it("answers 400, naming the filter, for a value it cannot use: page, data and CSV", async () => {
    const hostile = [
      ["status=bogus", "status"],
      ["trigger=cron%27%3B--", "trigger"],
      ["q=a%00b", "q"],
      [`q=${"x".repeat(10_000)}`, "q"],
      ["from=2026-02-30", "from"],
      ["to=9999-01-01", "to"],
      ["page=0", "page"],
      ["page=99999999999999999999", "page"],
      [`from=${TODAY}&to=${day(1)}`, "from"],
      [`from=${day(120)}&to=${TODAY}`, "from"],
    ] as const;
    for (const [query, param] of hostile) {
      const data = await get(`/ops/runs?${query}&_data=routes%2Fops.runs`);
      expect(data.status, query).toBe(400);
      const body = (await data.json()) as { issues: { param: string }[] };
      expect(
        body.issues.map((i) => i.param),
        query,
      ).toContain(param);
      const csv = await get(`/ops/runs.csv?${query}`);
      expect(csv.status, `csv ${query}`).toBe(400);
      expect(((await csv.json()) as { error: string }).error).toBe("invalid_parameters");
    }
    // The document: the console's frame, with this page's words on what to change.
    const document = await get("/ops/runs?status=bogus&page=-1");
    expect(document.status).toBe(400);
    const html = await document.text();
    expect(html).toContain("These filters cannot be used");
    expect(html).toContain("Check: status, page.");
    expect(html).toContain("Sign out");
  });
});
