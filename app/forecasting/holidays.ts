/**
 * Public holidays from `date-holidays` (offline data, no I/O). Returns day numbers so the rest
 * of the engine stays in UTC day arithmetic.
 */

import Holidays from "date-holidays";
import { fromDay, toDay } from "./dates";

export interface HolidayDay {
  day: number;
  name: string;
}

const cache = new Map<string, Holidays>();
const yearCache = new Map<string, HolidayDay[]>();

function calendar(country: string, region?: string): Holidays {
  const key = `${country}/${region ?? ""}`;
  let hd = cache.get(key);
  if (!hd) {
    hd = region ? new Holidays(country, region) : new Holidays(country);
    cache.set(key, hd);
  }
  return hd;
}

/** True when date-holidays knows the country code (e.g. "GB", "US", "DE"). */
export function isKnownCountry(country: string): boolean {
  const all = new Holidays().getCountries();
  return Object.prototype.hasOwnProperty.call(all, country.toUpperCase());
}

/** Public and bank holidays between two day numbers (inclusive), one entry per day. */
export function holidaysBetween(country: string, fromDayNum: number, toDayNum: number, region?: string): HolidayDay[] {
  const y0 = Number(fromDay(fromDayNum).slice(0, 4));
  const y1 = Number(fromDay(toDayNum).slice(0, 4));
  const seen = new Map<number, string>();
  for (let y = y0; y <= y1; y++) {
    for (const h of holidaysOfYear(country.toUpperCase(), y, region)) {
      if (h.day >= fromDayNum && h.day <= toDayNum && !seen.has(h.day)) seen.set(h.day, h.name);
    }
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([day, name]) => ({ day, name }));
}

/** Public and bank holidays of one year (memoised: date-holidays is slow to evaluate its rules). */
function holidaysOfYear(country: string, year: number, region?: string): HolidayDay[] {
  const key = `${country}/${region ?? ""}/${year}`;
  let list = yearCache.get(key);
  if (!list) {
    list = calendar(country, region)
      .getHolidays(year)
      .filter((h) => h.type === "public" || h.type === "bank")
      .map((h) => ({ day: toDay(h.date.slice(0, 10)), name: h.name }));
    yearCache.set(key, list);
  }
  return list;
}
