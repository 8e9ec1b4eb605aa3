/**
 * The sentences that name an alert: its headline ("3 products are out of stock", also the digest's
 * section title and the subject), the money at stake ("£412/day in lost sales") and its introduction.
 * One product is named ("Blue Mug – Large is out of stock").
 */
import { type AlertSection } from "../model";
import { type EmailEnv } from "./env";
import { daysText, type SectionSummary, unitsText } from "./items";

/** Longest product name in a subject line, so the facts after it stay visible in the inbox. */
const SUBJECT_NAME_LENGTH = 48;

function productName(summary: SectionSummary, maxLength: number): string {
  const item = summary.shown[0];
  if (!item) return "";
  const variant = item.variantTitle && item.variantTitle !== "Default Title" ? ` – ${item.variantTitle}` : "";
  const name = `${item.productTitle}${variant}`;
  if (name.length <= maxLength) return name;
  const cut = name.slice(0, maxLength - 1);
  const wordEnd = cut.lastIndexOf(" ");
  return `${(wordEnd > maxLength / 2 ? cut.slice(0, wordEnd) : cut).trimEnd()}…`;
}

/** `forSubject` shortens a product's name. */
export function headline(section: AlertSection, summary: SectionSummary, env: EmailEnv, forSubject = false): string {
  const { t, fmt } = env;
  const single = summary.count === 1;
  const values = {
    count: summary.count,
    formatted: fmt.integer(summary.count),
    product: productName(summary, forSubject ? SUBJECT_NAME_LENGTH : Number.POSITIVE_INFINITY),
  };
  const key = (base: string) => `types.${section.alertType}.${base}${single ? "Single" : ""}`;
  switch (section.alertType) {
    case "stockout_predicted":
      return section.window.kind === "lead_time"
        ? t(key("headlineLeadTime"), values)
        : t(key("headline"), { ...values, window: daysText(env, section.window.days) });
    case "low_stock":
      return section.threshold.kind === "units"
        ? t(key("headlineUnits"), { ...values, threshold: unitsText(env, section.threshold.units) })
        : t(key("headlineDays"), { ...values, threshold: daysText(env, section.threshold.days) });
    case "dead_stock":
      return t(key("headline"), { ...values, window: daysText(env, section.noSaleDays) });
    default:
      return t(key("headline"), values);
  }
}

/** The money at stake, for the subject: lost sales per day, or the value of stock that does not sell. */
export function impact(section: AlertSection, summary: SectionSummary, { t, fmt }: EmailEnv): string | null {
  if (section.alertType === "out_of_stock" && summary.lostSalesPerDay >= 1) {
    return t("types.out_of_stock.impact", { amount: fmt.moneyWhole(summary.lostSalesPerDay) });
  }
  if (section.alertType === "dead_stock" && summary.stockValue >= 1) {
    return t("types.dead_stock.impact", { amount: fmt.moneyWhole(summary.stockValue) });
  }
  return null;
}

export function intro(section: AlertSection, summary: SectionSummary, { t, fmt }: EmailEnv): string {
  const single = summary.count === 1 ? "Single" : "";
  switch (section.alertType) {
    case "out_of_stock":
      if (summary.lostSalesPerDay < 1) return t(`types.out_of_stock.introNoMoney${single}`);
      return t(`types.out_of_stock.intro${single}`, { amount: fmt.moneyWhole(summary.lostSalesPerDay) });
    case "dead_stock":
      return t(`types.dead_stock.intro${single}`, { amount: fmt.moneyWhole(summary.stockValue) });
    default:
      return t(`types.${section.alertType}.intro${single}`);
  }
}

/** "headline — impact" (version 1) or "impact: headline" (version 2, the A/B variant that leads with the money). */
export function subjectLine(headlineText: string, impactText: string | null, { t }: EmailEnv, impactFirst = false): string {
  if (!impactText) return headlineText;
  return t(impactFirst ? "subject.impactFirst" : "subject.withImpact", { headline: headlineText, impact: impactText });
}
