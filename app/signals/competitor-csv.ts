/**
 * Competitor prices as the merchant uploads them (issue 17 item 3): a CSV `sku,date,price[,competitor][,currency]`,
 * never scraped. Pure: the file's text, the shop's SKUs, its today and currency in; the rows to store, or every line's
 * problems out. A file with any problem changes nothing (all-or-nothing), so the page lists them all at once, up to
 * `MAX_REPORTED_ERRORS` (with a count of the rest), each with its line, column and an i18n key of the `competitors`
 * namespace with its values.
 *
 * The header is required (names trimmed, any case; a UTF-8 BOM is dropped) and has exactly those columns, so that a
 * misspelt optional column is not silently ignored. Fields are quoted as RFC 4180 says (no newline inside a field).
 * Blank lines are skipped. An empty competitor is "" (one unnamed competitor); an empty currency is the shop's.
 */
import { CsvError, splitCsvLine } from "../csv/reader";
import { csvLine } from "../csv/writer";
import { storableText, withoutLoneSurrogates } from "../db/storable";
import { addDays, isIsoDate } from "../forecasting";

export const COMPETITOR_COLUMNS = ["sku", "date", "price", "competitor", "currency"] as const;
export type CompetitorColumn = (typeof COMPETITOR_COLUMNS)[number];
const REQUIRED: readonly CompetitorColumn[] = ["sku", "date", "price"];

/** The most data rows a file may have. */
export const MAX_ROWS = 200_000;
/** The largest file, in bytes (the route answers 413 past it). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** The most line errors reported; the rest are counted. */
export const MAX_REPORTED_ERRORS = 100;
export const MAX_PRICE = 1_000_000;
/** A price's day may be at most this many days after the shop's today (a competitor's announced price). */
export const MAX_DAYS_AHEAD = 90;
export const COMPETITOR_MAX = 100;
/** Days before this year are refused (no shop's history starts earlier). */
const MIN_YEAR = 2000;

/** The example the template and the page show. */
export const TEMPLATE_HEADER = "sku,date,price,competitor,currency";

/** One stored price: `price` in the shop's currency, at most 2 decimals. */
export interface CompetitorPriceRow {
  sku: string;
  day: string;
  competitor: string;
  price: number;
}

/**
 * A problem of the file: its line (1 = the header), the column (null when the whole line or file is meant), the i18n
 * key (`competitors:errors.<problem>`) and the values the message names.
 */
export interface CompetitorLineError {
  line: number;
  column: CompetitorColumn | null;
  key: string;
  values?: Record<string, string | number>;
}

export type CompetitorCsvResult =
  | { ok: true; rows: CompetitorPriceRow[]; skus: number; competitors: string[] }
  | { ok: false; errors: CompetitorLineError[]; moreErrors: number };

export interface CompetitorCsvContext {
  /** The shop's SKUs (trimmed): a row's SKU must be one of them. */
  skus: ReadonlySet<string>;
  /** The shop's today (YYYY-MM-DD). */
  today: string;
  /** The shop's ISO 4217 currency; null when unknown (the currency column is then not checked). */
  currency: string | null;
}

const key = (problem: string) => `competitors:errors.${problem}`;
const PRICE = /^\d+(\.\d{1,2})?$/;

/** Collects errors up to the cap and counts the rest. */
class Errors {
  readonly list: CompetitorLineError[] = [];
  more = 0;
  add(line: number, column: CompetitorColumn | null, problem: string, values?: Record<string, string | number>): void {
    if (this.list.length < MAX_REPORTED_ERRORS) this.list.push({ line, column, key: key(problem), ...(values ? { values } : {}) });
    else this.more++;
  }
  get count(): number {
    return this.list.length + this.more;
  }
}

/** Reads and validates the whole file; see the module's comment. */
export function parseCompetitorCsv(text: string, context: CompetitorCsvContext): CompetitorCsvResult {
  const errors = new Errors();
  const fail = (): CompetitorCsvResult => ({ ok: false, errors: errors.list, moreErrors: errors.more });
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const headerLine = lines[0] ?? "";
  if (headerLine.trim() === "") {
    errors.add(1, null, "noHeader", { header: TEMPLATE_HEADER });
    return fail();
  }
  let header: string[];
  try {
    header = splitCsvLine(headerLine, 1).map((name) => name.trim().toLowerCase());
  } catch {
    errors.add(1, null, "badQuoting");
    return fail();
  }
  const index = new Map<CompetitorColumn, number>();
  header.forEach((name, i) => {
    const column = COMPETITOR_COLUMNS.find((c) => c === name);
    if (!column) errors.add(1, null, "unknownColumn", { name, expected: TEMPLATE_HEADER });
    else if (index.has(column)) errors.add(1, column, "duplicateColumn", { name });
    else index.set(column, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length > 0) errors.add(1, null, "missingColumns", { missing: missing.join(", "), expected: TEMPLATE_HEADER });
  if (errors.count > 0) return fail();

  // Too many rows: that is the one problem reported, before any line is read.
  let counted = 0;
  for (let k = 1; k < lines.length; k++) {
    if (lines[k]!.trim() !== "" && ++counted > MAX_ROWS) {
      errors.add(k + 1, null, "tooManyRows", { max: MAX_ROWS });
      return fail();
    }
  }

  const at = (fields: string[], column: CompetitorColumn): string | null => {
    const i = index.get(column);
    return i === undefined ? null : fields[i]!.trim();
  };
  const latest = addDays(context.today, MAX_DAYS_AHEAD);
  const currency = context.currency?.toUpperCase() ?? null;
  const rows: CompetitorPriceRow[] = [];
  /** sku, competitor, day → the first line that had it. */
  const seen = new Map<string, number>();
  let dataRows = 0;
  for (let k = 1; k < lines.length; k++) {
    const line = k + 1;
    const raw = lines[k]!;
    if (raw.trim() === "") continue;
    dataRows++;
    let fields: string[];
    try {
      fields = splitCsvLine(raw, line);
    } catch (error) {
      errors.add(line, null, error instanceof CsvError && error.message.includes("unterminated") ? "unterminatedQuote" : "badQuoting");
      continue;
    }
    if (fields.length !== header.length) {
      errors.add(line, null, "fieldCount", { expected: header.length, found: fields.length });
      continue;
    }
    const before = errors.count;
    const sku = at(fields, "sku")!;
    if (sku === "") errors.add(line, "sku", "skuEmpty");
    else if (!context.skus.has(sku)) errors.add(line, "sku", "unknownSku", { sku: shown(sku) });

    const day = at(fields, "date")!;
    if (!isIsoDate(day) || Number(day.slice(0, 4)) < MIN_YEAR) errors.add(line, "date", "badDate", { value: shown(day) });
    else if (day > latest) errors.add(line, "date", "dateTooFar", { value: day, max: latest, days: MAX_DAYS_AHEAD });

    const priceText = at(fields, "price")!;
    const price = Number(priceText);
    if (!PRICE.test(priceText) || !(price > 0) || price > MAX_PRICE)
      errors.add(line, "price", "badPrice", { value: shown(priceText), max: MAX_PRICE });

    const competitor = at(fields, "competitor") ?? "";
    if (competitor.length > COMPETITOR_MAX) errors.add(line, "competitor", "competitorTooLong", { max: COMPETITOR_MAX });
    else if (!storableText(competitor)) errors.add(line, "competitor", "competitorInvalid");

    const rowCurrency = at(fields, "currency");
    if (rowCurrency !== null && rowCurrency !== "" && currency !== null && rowCurrency.toUpperCase() !== currency)
      errors.add(line, "currency", "otherCurrency", { value: shown(rowCurrency), currency });

    if (errors.count > before) continue;
    const id = `${sku}\u0000${competitor}\u0000${day}`;
    const first = seen.get(id);
    if (first !== undefined) {
      errors.add(line, null, "duplicate", { sku, competitor, date: day, first });
      continue;
    }
    seen.set(id, line);
    if (errors.count === 0) rows.push({ sku, day, competitor, price });
  }
  if (errors.count > 0) return fail();
  if (dataRows === 0) {
    errors.add(2, null, "noRows");
    return fail();
  }
  return {
    ok: true,
    rows,
    skus: new Set(rows.map((r) => r.sku)).size,
    competitors: [...new Set(rows.map((r) => r.competitor))].sort(),
  };
}

/** A value as an error message quotes it: at most 40 characters, storable. */
function shown(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return withoutLoneSurrogates(cut).replaceAll("\u0000", "\uFFFD");
}

/** A SKU the template can show as it is (a spreadsheet would not read it as a formula, nor split it). */
export function plainSku(sku: string): boolean {
  return sku !== "" && !/^[=+\-@]/.test(sku) && !/[",;\t\r\n]/.test(sku);
}

/** The template: the header and one example row (one of the shop's SKUs, or "SKU-1" when none is plain). */
export function competitorTemplate(example: { sku: string | null; day: string; currency: string | null }): string {
  return `${TEMPLATE_HEADER}\r\n${csvLine([example.sku ?? "SKU-1", example.day, 19.99, "Example Store", example.currency ?? ""])}`;
}
