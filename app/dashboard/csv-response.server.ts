/**
 * A streamed CSV download: lines are sent as they are produced, so a 50 000-row export needs no buffer. The
 * exports of the shop's data need the plan's CSV export (decision 0047); the billing and operator exports are
 * open to every plan (a merchant's own billing records).
 */
import { featureRefusal, type FeatureRefusal } from "../billing/entitlements";
import { shopEntitlements } from "../billing/limits.server";
import { pool } from "../db/pool.server";
import { createI18n, localeFromRequest } from "../i18n/i18n";
import { contentDisposition } from "./csv";

export function streamAsyncIterable(lines: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = lines[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function csvResponse(lines: AsyncIterable<string>, filename: string): Response {
  return new Response(streamAsyncIterable(lines), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": contentDisposition(filename),
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** null when the shop's plan includes CSV export (or the shop is not limited), else why not. */
export async function csvRefusal(shopId: string): Promise<FeatureRefusal | null> {
  return featureRefusal(await shopEntitlements(pool(), shopId), "csv");
}

/**
 * The 403 of an export the plan does not include: the refusal for a program, and a sentence in the merchant's
 * language naming the plan that has it (the pages show that plan instead of the download button).
 */
export function csvRefusedResponse(request: Request, refusal: FeatureRefusal): Response {
  const locale = localeFromRequest(request);
  const t = createI18n(locale).getFixedT(locale);
  const plan = refusal.requiredPlan;
  const message =
    plan === null
      ? t("csvExport.refused")
      : `${t("csvExport.refused")} ${t("csvExport.refusedPlan", { plan: t(`billing:plans.${plan}`) })}`;
  return new Response(JSON.stringify({ ...refusal, message }), {
    status: 403,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
