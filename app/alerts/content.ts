/**
 * What an alert email says, built from the notifications of the alerts engine: one section per alert type
 * (its items ordered by urgency: out of stock by lost revenue first), shaped as the email contract of
 * app/email/model.ts. Pure: the caller adds the shop, the recipient and the signed links.
 */
import type { AlertSection, EmailContentInput } from "../email/model";
import type { AlertSubject } from "./model";
import { compareSubjects } from "./priority";
import type { AlertRule } from "./rules";

/** The alert types about products (the forecast-run failure is about the shop). */
export type ProductAlertType = AlertSection["alertType"];

/** A section holds at most this many items; its totals still count every one. */
export const SECTION_ITEM_LIMIT = 500;

type SectionInput = Extract<EmailContentInput, { template: "digest" }>["sections"][number];

function item(s: AlertSubject) {
  const out = s.risk === "out_of_stock";
  return {
    variantId: s.variantId,
    productId: s.productId,
    productTitle: s.productTitle,
    variantTitle: s.variantTitle === "Default Title" || s.variantTitle.trim() === "" ? null : s.variantTitle,
    sku: s.sku,
    imageUrl: s.imageUrl ?? null,
    available: Math.round(s.available),
    daysOfCover: out ? 0 : s.daysOfCover === null ? null : Math.max(0, s.daysOfCover),
    stockoutDate: out ? null : s.stockoutDate,
    lostSalesPerDay: out ? { units: s.lostUnitsPerDay, amount: s.lostRevenuePerDay } : null,
    lostSalesToDate: out ? { units: s.lostUnitsToDate, amount: s.lostRevenueToDate } : null,
    suggestedOrderQty: s.reorderQty > 0 ? s.reorderQty : null,
  };
}

/**
 * One section of `type` from its subjects (each with the id of the rule that fired). The section's rule
 * details (window, threshold, days without sale) are those of the rule that fired for the first item.
 */
export function sectionFor(
  type: ProductAlertType,
  notes: readonly { subject: AlertSubject; ruleId: string }[],
  rules: readonly AlertRule[],
): SectionInput {
  if (notes.length === 0) throw new Error(`sectionFor(${type}): no items`);
  const ordered = [...notes].sort((a, b) => compareSubjects(type, a.subject, b.subject));
  const shown = ordered.slice(0, SECTION_ITEM_LIMIT);
  const rule = rules.find((r) => r.id === ordered[0]!.ruleId && r.type === type) ?? rules.find((r) => r.type === type);
  const totals = {
    items: notes.length,
    lostSalesPerDay: type === "out_of_stock" ? round2(notes.reduce((sum, n) => sum + n.subject.lostRevenuePerDay, 0)) : null,
    stockValue: type === "dead_stock" ? round2(notes.reduce((sum, n) => sum + Math.max(0, n.subject.stockValue), 0)) : null,
  };
  switch (type) {
    case "out_of_stock":
      return {
        alertType: type,
        totals,
        items: shown.map(({ subject: s }) => ({
          ...item(s),
          alertType: type,
          outOfStockSince: s.outOfStockSince,
          outOfStockSinceEstimated: s.sinceEstimated,
        })),
      };
    case "stockout_predicted": {
      const within = rule?.type === "stockout_predicted" ? rule.withinDays : "lead_time";
      return {
        alertType: type,
        totals,
        window: within === "lead_time" ? { kind: "lead_time" } : { kind: "days", days: within },
        items: shown.map(({ subject: s }) => ({ ...item(s), alertType: type, leadTimeDays: Math.max(0, Math.round(s.leadTimeDays)) })),
      };
    }
    case "reorder_point":
      return {
        alertType: type,
        totals,
        items: shown.map(({ subject: s }) => ({ ...item(s), alertType: type, reorderPoint: Math.max(0, s.reorderPoint) })),
      };
    case "low_stock": {
      const threshold =
        rule?.type === "low_stock" && rule.belowUnits === null && rule.belowDaysOfCover !== null
          ? { kind: "days" as const, days: Math.max(1, Math.ceil(rule.belowDaysOfCover)) }
          : { kind: "units" as const, units: Math.max(1, Math.ceil(rule?.type === "low_stock" ? (rule.belowUnits ?? 5) : 5)) };
      return { alertType: type, totals, threshold, items: shown.map(({ subject: s }) => ({ ...item(s), alertType: type })) };
    }
    case "dead_stock":
      return {
        alertType: type,
        totals,
        noSaleDays: rule?.type === "dead_stock" ? rule.noSaleForDays : 90,
        items: shown.map(({ subject: s }) => ({
          ...item(s),
          alertType: type,
          lastSaleDay: s.lastSaleDay,
          stockValue: Math.max(0, s.stockValue),
        })),
      };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
