/**
 * The one writer of Prometheus' text exposition format (version 0.0.4), for /metrics (app/routes/metrics.tsx): each
 * domain's metrics module describes its families, this writes them. Pure: no I/O.
 *
 * Per family: `# HELP`, `# TYPE` (gauge or counter), then one sample line per label set. Label values and help text
 * are escaped as the format says (backslash, double quote in label values, newline); a value that is not a finite
 * number is written as Prometheus spells it (NaN, +Inf, -Inf).
 */

export type MetricType = "gauge" | "counter";
export type Labels = Readonly<Record<string, string>>;
export type Sample = readonly [labels: Labels, value: number];

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; a counter's name ends in `_total`. */
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabelValue = (text: string) => text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** `{a="1",b="2"}` in the labels' own order, or "" for none. */
export function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid Prometheus label name: ${name}`);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid Prometheus metric name: ${family.name}`);
    if (seen.has(family.name)) throw new Error(`metric family written twice: ${family.name}`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const [labels, value] of family.samples) lines.push(`${family.name}${formatLabels(labels)} ${formatValue(value)}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** A family with one unlabelled sample. */
export function single(name: string, help: string, type: MetricType, value: number): MetricFamily {
  return { name, help, type, samples: [[{}, value]] };
}

/** A family with one sample per entry of `values`, labelled `label`. */
export function byLabel(
  name: string,
  help: string,
  type: MetricType,
  label: string,
  values: Readonly<Record<string, number>>,
): MetricFamily {
  return { name, help, type, samples: Object.entries(values).map(([key, value]) => [{ [label]: key }, value] as const) };
}
