/**
 * Numbers, money and dates in the merchant's language and the shop's region, currency and time zone
 * (docs/decisions/0007-i18n.md). Pure: the same output on the server and in the browser, so the
 * rendered HTML hydrates without a mismatch.
 */

export interface FormatSettings {
  /** BCP 47 tag: the admin user's language with the shop's country, e.g. "fr-GB". */
  locale: string;
  /** ISO 4217 code of the shop's currency; null until the shop's details arrived. */
  currency: string | null;
  /** IANA zone of the shop; null until the shop's details arrived. */
  timeZone: string | null;
}

export interface Formatter {
  readonly settings: FormatSettings;
  /** Whole units or a count: 1,234. */
  integer(value: number): string;
  /** A quantity with at most `digits` decimals: 1,234.5. */
  number(value: number, digits?: number): string;
  /** Money in the shop's currency (no currency known → a plain number). */
  currency(value: number, options?: { compact?: boolean }): string;
  /** A share 0–1 as a percentage: 0.873 → 87.3 %. */
  percent(value: number, digits?: number): string;
  /** A `YYYY-MM-DD` day (already in the shop's time zone) as a date: 3 Mar 2026. */
  day(day: string, style?: "medium" | "short" | "long"): string;
  /** A day on a chart axis: 3 Mar. */
  dayShort(day: string): string;
  /** An instant (ISO timestamp) in the shop's time zone: 3 Mar 2026, 14:05. */
  instant(iso: string): string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` day as the UTC midnight that starts it (days carry no zone: they are formatted in UTC). */
export function dayToUtcDate(day: string): Date {
  const match = DAY.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** `YYYY-MM-DD` of a UTC date. */
export function utcDateToDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `day` plus `days` (negative to go back). */
export function addDays(day: string, days: number): string {
  const date = dayToUtcDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return utcDateToDay(date);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayToUtcDate(to).getTime() - dayToUtcDate(from).getTime()) / 86_400_000);
}

function safeLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? "en";
  } catch {
    return "en";
  }
}

function safeTimeZone(timeZone: string | null): string {
  if (!timeZone) return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

export function createFormatter(settings: FormatSettings): Formatter {
  const locale = safeLocale(settings.locale);
  const timeZone = safeTimeZone(settings.timeZone);
  const integerFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const percentFormats = new Map<number, Intl.NumberFormat>();
  const money = settings.currency
    ? new Intl.NumberFormat(locale, { style: "currency", currency: settings.currency })
    : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const moneyCompact = settings.currency
    ? new Intl.NumberFormat(locale, { style: "currency", currency: settings.currency, notation: "compact", maximumFractionDigits: 1 })
    : new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
  const dayFormats = {
    short: new Intl.DateTimeFormat(locale, { dateStyle: "short", timeZone: "UTC" }),
    medium: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }),
    long: new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }),
  };
  const axisDay = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const instantFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });

  const cached = (cache: Map<number, Intl.NumberFormat>, digits: number, make: () => Intl.NumberFormat) => {
    let format = cache.get(digits);
    if (!format) {
      format = make();
      cache.set(digits, format);
    }
    return format;
  };

  return {
    settings: { locale, currency: settings.currency, timeZone },
    integer: (value) => integerFormat.format(Math.round(value)),
    number: (value, digits = 1) =>
      cached(numberFormats, digits, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits })).format(value),
    currency: (value, options) => (options?.compact ? moneyCompact : money).format(value),
    percent: (value, digits = 1) =>
      cached(percentFormats, digits, () => new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits })).format(
        value,
      ),
    day: (day, style = "medium") => dayFormats[style].format(dayToUtcDate(day)),
    dayShort: (day) => axisDay.format(dayToUtcDate(day)),
    instant: (iso) => instantFormat.format(new Date(iso)),
  };
}
