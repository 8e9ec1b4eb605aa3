/** One notification per episode: open, escalate, unchanged, resolve, reopen; idempotence; flapping. */
import { describe, expect, it } from "vitest";
import { transitions, type Episode, type Transition } from "../../../app/alerts/episodes";
import { SEVERITY, episodeKey, type AlertFinding, type AlertType } from "../../../app/alerts/model";
import { SHOP, subject } from "./fixtures";

const TYPE_OF_SEVERITY: Record<number, AlertType> = {
  [SEVERITY.lowStock]: "low_stock",
  [SEVERITY.reorderPoint]: "reorder_point",
  [SEVERITY.stockoutLater]: "stockout_predicted",
  [SEVERITY.stockoutWithin14]: "stockout_predicted",
  [SEVERITY.stockoutWithin7]: "stockout_predicted",
  [SEVERITY.outOfStock]: "out_of_stock",
};

/** A "stock" finding of the given severity for a variant at location 0. */
function stock(severity: number, variantId = "1001"): AlertFinding {
  const parts = { shopId: SHOP, family: "stock", variantId, locationId: "0" } as const;
  const type = TYPE_OF_SEVERITY[severity]!;
  return {
    ...parts,
    key: episodeKey(parts),
    type,
    ruleId: type,
    severity,
    frequency: "daily",
    subject: subject({ variantId }),
    daysUntilStockout: null,
    daysSinceLastSale: 1,
  };
}

/** Stores transitions the way the caller would: each transition's episode replaces the stored one. */
class Store {
  readonly episodes = new Map<string, Episode>();
  readonly sent: string[] = [];

  run(day: string, findings: AlertFinding[]): Transition[] {
    const out = transitions([...this.episodes.values()], findings, day);
    for (const t of out) {
      this.episodes.set(t.key, t.episode);
      if (t.notify) this.sent.push(`${day} ${t.kind} ${t.episode.severity}`);
    }
    return out;
  }

  kinds(day: string, findings: AlertFinding[]): string[] {
    return this.run(day, findings).map((t) => `${t.kind}${t.notify ? "!" : ""}`);
  }
}

const key = stock(1).key;

describe("transitions", () => {
  it("opens a new episode and notifies", () => {
    const [t, ...rest] = transitions([], [stock(SEVERITY.reorderPoint)], "2026-03-01");
    expect(rest).toEqual([]);
    expect(t).toMatchObject({
      kind: "open",
      key,
      notify: true,
      notificationKey: `${key}|2026-03-01|${SEVERITY.reorderPoint}`,
      changed: true,
      episode: {
        key,
        shopId: SHOP,
        family: "stock",
        variantId: "1001",
        locationId: "0",
        state: "open",
        type: "reorder_point",
        severity: SEVERITY.reorderPoint,
        notifiedSeverity: SEVERITY.reorderPoint,
        openedOn: "2026-03-01",
        resolvedOn: null,
      },
    });
    expect(t?.finding).toEqual(stock(SEVERITY.reorderPoint));
  });

  it("stays quiet while the trouble lasts at the same level", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.reorderPoint)]);
    const [t] = store.run("2026-03-02", [stock(SEVERITY.reorderPoint)]);
    expect(t).toMatchObject({ kind: "unchanged", notify: false, notificationKey: null, changed: false });
  });

  it("escalates low → reorder → predicted stockout → out of stock, notifying each rise once", () => {
    const store = new Store();
    expect(store.kinds("2026-03-01", [stock(SEVERITY.lowStock)])).toEqual(["open!"]);
    expect(store.kinds("2026-03-02", [stock(SEVERITY.reorderPoint)])).toEqual(["escalate!"]);
    expect(store.kinds("2026-03-03", [stock(SEVERITY.stockoutWithin14)])).toEqual(["escalate!"]);
    expect(store.kinds("2026-03-04", [stock(SEVERITY.stockoutWithin7)])).toEqual(["escalate!"]);
    expect(store.kinds("2026-03-05", [stock(SEVERITY.outOfStock)])).toEqual(["escalate!"]);
    expect(store.kinds("2026-03-06", [stock(SEVERITY.outOfStock)])).toEqual(["unchanged"]);
    expect(store.episodes.get(key)).toMatchObject({ openedOn: "2026-03-01", notifiedSeverity: SEVERITY.outOfStock, type: "out_of_stock" });
  });

  it("does not notify a dip and a return to an already-notified level", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.stockoutWithin7)]);
    const [dip] = store.run("2026-03-02", [stock(SEVERITY.reorderPoint)]);
    expect(dip).toMatchObject({ kind: "unchanged", notify: false, changed: true, episode: { severity: SEVERITY.reorderPoint } });
    expect(dip?.episode.notifiedSeverity).toBe(SEVERITY.stockoutWithin7);
    expect(store.kinds("2026-03-03", [stock(SEVERITY.stockoutWithin7)])).toEqual(["unchanged"]);
    expect(store.kinds("2026-03-04", [stock(SEVERITY.outOfStock)])).toEqual(["escalate!"]);
  });

  it("resolves without an email when the finding is absent for the run, and then stays quiet", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.outOfStock)]);
    const [t] = store.run("2026-03-02", []);
    expect(t).toMatchObject({
      kind: "resolve",
      notify: false,
      finding: null,
      changed: true,
      episode: { state: "resolved", resolvedOn: "2026-03-02" },
    });
    expect(store.run("2026-03-03", [])).toEqual([]);
  });

  it("reopens and notifies when the trouble comes back after staying resolved through a run", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.outOfStock)]);
    store.run("2026-03-02", []); // resolved
    store.run("2026-03-03", []); // still resolved: a whole run without it
    const [t] = store.run("2026-03-04", [stock(SEVERITY.reorderPoint)]);
    expect(t).toMatchObject({
      kind: "reopen",
      notify: true,
      notificationKey: `${key}|2026-03-04|${SEVERITY.reorderPoint}`,
      episode: {
        state: "open",
        openedOn: "2026-03-04",
        resolvedOn: null,
        severity: SEVERITY.reorderPoint,
        notifiedSeverity: SEVERITY.reorderPoint,
      },
    });
    // A new occurrence: its own high-water mark, so going out of stock again is news.
    expect(store.kinds("2026-03-05", [stock(SEVERITY.outOfStock)])).toEqual(["escalate!"]);
  });

  it("reopens on a later day even when the runs in between were not stored (pruned or missed)", () => {
    const resolved: Episode = {
      ...transitions([], [stock(SEVERITY.lowStock)], "2026-01-10")[0]!.episode,
      state: "resolved",
      resolvedOn: "2026-01-12",
    };
    expect(transitions([resolved], [stock(SEVERITY.lowStock)], "2026-02-01")[0]?.kind).toBe("reopen");
  });

  it("labels a return `open` when the resolved episode was pruned", () => {
    expect(transitions([], [stock(SEVERITY.lowStock)], "2026-02-01")[0]?.kind).toBe("open");
  });

  it("handles several episodes at once: findings' episodes in order, then resolutions", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.lowStock, "1"), stock(SEVERITY.lowStock, "2")]);
    const out = store.run("2026-03-02", [stock(SEVERITY.outOfStock, "3"), stock(SEVERITY.reorderPoint, "1")]);
    expect(out.map((t) => `${t.kind}:${t.episode.variantId}`)).toEqual(["open:3", "escalate:1", "resolve:2"]);
  });

  it("keeps the most severe of duplicate findings for one key", () => {
    const [t] = transitions([], [stock(SEVERITY.lowStock), stock(SEVERITY.outOfStock), stock(SEVERITY.reorderPoint)], "2026-03-01");
    expect(t?.episode.severity).toBe(SEVERITY.outOfStock);
  });

  it("tracks shop-wide episodes (no variant or location)", () => {
    const parts = { shopId: SHOP, family: "forecast_failed", variantId: null, locationId: null } as const;
    const failed: AlertFinding = {
      ...parts,
      key: episodeKey(parts),
      type: "forecast_failed",
      ruleId: "forecast_failed",
      severity: SEVERITY.forecastFailed,
      frequency: "immediate",
      failure: { runId: "r1", failedAt: "2026-03-01T02:00:00.000Z", error: "boom", consecutiveFailures: 1 },
    };
    const store = new Store();
    expect(store.kinds("2026-03-01", [failed])).toEqual(["open!"]);
    expect(store.kinds("2026-03-02", [{ ...failed, severity: SEVERITY.forecastFailedRepeatedly }])).toEqual(["escalate!"]);
    expect(store.kinds("2026-03-03", [])).toEqual(["resolve"]);
    expect(store.episodes.get(`${SHOP}|forecast_failed|-|-`)).toMatchObject({ variantId: null, locationId: null, state: "resolved" });
  });
});

describe("idempotence", () => {
  it("a duplicate evaluation of the same day changes nothing and sends nothing", () => {
    const days: [string, AlertFinding[]][] = [
      ["2026-03-01", [stock(SEVERITY.lowStock, "1"), stock(SEVERITY.reorderPoint, "2")]], // open, open
      ["2026-03-02", [stock(SEVERITY.outOfStock, "1")]], // escalate, resolve
      ["2026-03-03", [stock(SEVERITY.outOfStock, "1")]],
      ["2026-03-04", [stock(SEVERITY.outOfStock, "1"), stock(SEVERITY.lowStock, "2")]], // reopen
    ];
    const store = new Store();
    for (const [day, findings] of days) {
      store.run(day, findings);
      const snapshot = structuredClone([...store.episodes.values()]);
      const sent = store.sent.length;
      const again = store.run(day, findings);
      expect(again.every((t) => t.kind === "unchanged" && !t.notify && !t.changed)).toBe(true);
      expect([...store.episodes.values()]).toEqual(snapshot);
      expect(store.sent.length).toBe(sent);
    }
    expect(store.sent).toEqual([
      `2026-03-01 open ${SEVERITY.lowStock}`,
      `2026-03-01 open ${SEVERITY.reorderPoint}`,
      `2026-03-02 escalate ${SEVERITY.outOfStock}`,
      `2026-03-04 reopen ${SEVERITY.lowStock}`,
    ]);
  });

  it("is deterministic: a crashed job that computes the same day again gets the same notification keys", () => {
    const stored = transitions([], [stock(SEVERITY.lowStock)], "2026-03-01").map((t) => t.episode);
    const a = transitions(stored, [stock(SEVERITY.outOfStock), stock(SEVERITY.reorderPoint, "2")], "2026-03-02");
    const b = transitions(structuredClone(stored), [stock(SEVERITY.outOfStock), stock(SEVERITY.reorderPoint, "2")], "2026-03-02");
    expect(b).toEqual(a);
    expect(a.map((t) => t.notificationKey)).toEqual([
      `${key}|2026-03-02|${SEVERITY.outOfStock}`,
      `${SHOP}|stock|2|0|2026-03-02|${SEVERITY.reorderPoint}`,
    ]);
  });

  it("refuses to apply an evaluation older than the stored episodes, and the same episode twice", () => {
    const stored = transitions([], [stock(SEVERITY.lowStock)], "2026-03-05").map((t) => t.episode);
    expect(() => transitions(stored, [], "2026-03-04")).toThrow(RangeError);
    expect(() => transitions([...stored, ...stored], [], "2026-03-06")).toThrow(/given twice/);
  });
});

describe("flapping", () => {
  it("a trouble that comes back the next run resumes quietly (it did not stay resolved through a run)", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.lowStock)]);
    store.run("2026-03-02", []);
    const [t] = store.run("2026-03-03", [stock(SEVERITY.lowStock)]);
    expect(t).toMatchObject({
      kind: "unchanged",
      notify: false,
      changed: true,
      episode: { state: "open", openedOn: "2026-03-01", resolvedOn: null },
    });
  });

  it("a trouble that comes back the same day (a later run) resumes quietly", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.outOfStock)]);
    store.run("2026-03-02", []);
    expect(store.kinds("2026-03-02", [stock(SEVERITY.outOfStock)])).toEqual(["unchanged"]);
  });

  it("a resumed episode still escalates above what was notified", () => {
    const store = new Store();
    store.run("2026-03-01", [stock(SEVERITY.lowStock)]);
    store.run("2026-03-02", []);
    expect(store.kinds("2026-03-03", [stock(SEVERITY.outOfStock)])).toEqual(["escalate!"]);
  });

  it("a threshold crossed back and forth every night sends one email, until it stays away a whole run", () => {
    const store = new Store();
    const pattern = [true, false, true, false, true, false, true, true, false, false, true];
    pattern.forEach((present, i) => store.run(`2026-03-${String(i + 1).padStart(2, "0")}`, present ? [stock(SEVERITY.lowStock)] : []));
    expect(store.sent).toEqual([`2026-03-01 open ${SEVERITY.lowStock}`, `2026-03-11 reopen ${SEVERITY.lowStock}`]);
  });
});
