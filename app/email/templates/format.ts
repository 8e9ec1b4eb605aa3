/**
 * Numbers, money and dates in an email: the recipient's language with the shop's country ("fr-GB"), the
 * shop's currency and time zone. Mirrors app/dashboard/format.ts (same Intl settings, so an email and
 * the dashboard show a figure the same way) without depending on the dashboard folder: the alerts
 * engine, the settings preview and the dashboard can all use app/email/ without an import cycle.
 */
import { formattingLocale } from "../../i18n/i18n";
import { type EmailShop } from "../model";

export interface EmailFormatter {
  /** A count or whole units: 1,234. */
  integer(value: number): string;
  /** A quantity with at most one decimal: 4.2. */
  quantity(value: number): string;
  /** Money with its cents: £41.20. */
  money(value: number): string;
  /** Money rounded to whole units, for headlines and subjects: £412. */
  moneyWhole(value: number): string;
  /** Money in another currency than the shop's (Fluxor's charges, in USD), in the shop's format: US$79.00. */
  moneyIn(value: number, currency: string): string;
  /** A share 0–1: 63%. */
  percent(value: number): string;
  /** A `YYYY-MM-DD` day of the shop: 2 Sep 2026. */
  day(day: string): string;
  /** Two days as a range: 3–9 Mar 2026. */
  dayRange(from: string, to: string): string;
  /** An instant in the shop's time zone, with the zone: 5 Mar 2026, 07:00 GMT. */
  instant(iso: string): string;
  /** The shop's day of an instant, for subjects and headlines: 5 Mar 2026. */
  instantDay(iso: string): string;
}

/** A `YYYY-MM-DD` day as the UTC midnight that starts it (days carry no zone: they are formatted in UTC). */
function dayToUtcDate(day: string): Date {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, date ?? 1));
}

export function createEmailFormatter(shop: EmailShop): EmailFormatter {
  const locale = formattingLocale(shop.locale, shop.countryCode);
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const money = new Intl.NumberFormat(locale, { style: "currency", currency: shop.currency });
  const moneyWhole = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: shop.currency,
    maximumFractionDigits: 0,
    minimumFractionDigits: 0,
  });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const instant = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: shop.timezone });
  const instantDay = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: shop.timezone });
  const otherMoney = new Map<string, Intl.NumberFormat>();
  const zone = new Intl.DateTimeFormat(locale, { timeZone: shop.timezone, timeZoneName: "short" });

  return {
    integer: (value) => integer.format(Math.round(value)),
    quantity: (value) => quantity.format(value),
    money: (value) => money.format(value),
    moneyWhole: (value) => moneyWhole.format(value),
    moneyIn: (value, currency) => {
      let format = otherMoney.get(currency);
      if (!format) otherMoney.set(currency, (format = new Intl.NumberFormat(locale, { style: "currency", currency })));
      return format.format(value);
    },
    percent: (value) => percent.format(value),
    day: (value) => day.format(dayToUtcDate(value)),
    dayRange: (from, to) => day.formatRange(dayToUtcDate(from), dayToUtcDate(to)),
    instant: (iso) => {
      const date = new Date(iso);
      const zoneName = zone.formatToParts(date).find((part) => part.type === "timeZoneName")?.value;
      return zoneName ? `${instant.format(date)} ${zoneName}` : instant.format(date);
    },
    instantDay: (iso) => instantDay.format(new Date(iso)),
  };
}
