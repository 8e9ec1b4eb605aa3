import { describe, expect, it } from "vitest";
import { byLabel, formatLabels, formatValue, prometheusText, single } from "../../../app/metrics/prometheus";

describe("the Prometheus text writer", () => {
  it("writes HELP, TYPE and one line per sample, gauges and counters", () => {
    expect(
      prometheusText([
        single("fluxor_jobs_waiting", "Jobs queued or retrying", "gauge", 3),
        {
          name: "fluxor_email_events_total",
          help: "Email events",
          type: "counter",
          samples: [
            [{ event: "delivered", type: "out_of_stock" }, 12],
            [{ event: "opened", type: "digest" }, 4],
          ],
        },
        byLabel("fluxor_email_suppressions", "Suppressed addresses by reason", "gauge", "reason", { bounce: 1, unsubscribe: 2 }),
      ]),
    ).toBe(
      [
        "# HELP fluxor_jobs_waiting Jobs queued or retrying",
        "# TYPE fluxor_jobs_waiting gauge",
        "fluxor_jobs_waiting 3",
        "# HELP fluxor_email_events_total Email events",
        "# TYPE fluxor_email_events_total counter",
        'fluxor_email_events_total{event="delivered",type="out_of_stock"} 12',
        'fluxor_email_events_total{event="opened",type="digest"} 4',
        "# HELP fluxor_email_suppressions Suppressed addresses by reason",
        "# TYPE fluxor_email_suppressions gauge",
        'fluxor_email_suppressions{reason="bounce"} 1',
        'fluxor_email_suppressions{reason="unsubscribe"} 2',
        "",
      ].join("\n"),
    );
  });

  it("keeps a family without samples (its HELP and TYPE), and writes nothing for no families", () => {
    expect(prometheusText([byLabel("fluxor_x", "X", "gauge", "status", {})])).toBe("# HELP fluxor_x X\n# TYPE fluxor_x gauge\n");
    expect(prometheusText([])).toBe("");
  });

  it("escapes label values and help text as the format says", () => {
    expect(formatLabels({ path: 'a\\b "c"\nd' })).toBe('{path="a\\\\b \\"c\\"\\nd"}');
    expect(prometheusText([single("fluxor_y", "line one\nline \\two", "gauge", 1)])).toContain("# HELP fluxor_y line one\\nline \\\\two\n");
  });

  it("spells values that are not finite numbers as Prometheus does", () => {
    expect([NaN, Infinity, -Infinity, 0.25, 1e21].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "0.25", "1e+21"]);
  });

  it("refuses names Prometheus would reject, and a family written twice", () => {
    expect(() => prometheusText([single("fluxor-bad", "x", "gauge", 1)])).toThrow(/metric name/);
    expect(() => formatLabels({ "bad-label": "x" })).toThrow(/label name/);
    expect(() => formatLabels({ __reserved: "x" })).toThrow(/label name/);
    expect(() => prometheusText([single("fluxor_a", "a", "gauge", 1), single("fluxor_a", "a", "gauge", 2)])).toThrow(/twice/);
  });
});
