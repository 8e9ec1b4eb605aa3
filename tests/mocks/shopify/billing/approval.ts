/**
 * The merchant's approval page behind a `confirmationUrl`. Shopify's lives on the admin
 * (`https://admin.shopify.com/store/{store}/charges/{app}/{id}/RecurringApplicationCharge/confirm_recurring_application_charge?signature=…`);
 * the stand-in serves the same path on its own origin, next to its admin shell. The `signature` is a
 * Rails-style signed message (`base64(payload)--hmac`) with a secret only the stand-in knows, so a link
 * whose shop, charge id, kind or request was edited is refused (403).
 *
 * GET shows the plan (name, price and interval, trial, discount, usage cap and terms, a "test charge"
 * badge, which plan it replaces and when) with Approve / Decline; POST `decision=approve|decline`
 * decides and answers 303 to the subscription's `returnUrl` with `charge_id`, as Shopify does after
 * either choice. A `returnUrl` on https://admin.shopify.com/store/…/apps/… (what the library builds
 * for embedded apps) is pointed at the stand-in's admin shell.
 */
import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppConfig } from "../config";
import { base64url, safeEqual, storeHandle } from "../crypto";
import { escapeHtml, readParams, sendHtml } from "../http";
import { localiseLocation } from "../tunnel";
import {
  DAY_MS,
  priceAfterDiscount,
  recurringLine,
  remainingDiscountIntervals,
  usageLine,
  type ShopBilling,
  type SubscriptionRecord,
} from "./model";

export type ApprovalKind = "subscription" | "capped";

interface SignedCharge {
  shop: string;
  id: number;
  kind: ApprovalKind;
  /** The capped-amount request (kind "capped"). */
  request?: number;
}

const PAGE: Record<ApprovalKind, string> = {
  subscription: "confirm_recurring_application_charge",
  capped: "confirm_update_capped_amount",
};

export function signCharge(secret: string, charge: SignedCharge): string {
  const data = base64url(JSON.stringify(charge));
  return `${data}--${createHmac("sha256", secret).update(data).digest("hex")}`;
}

export function verifyCharge(secret: string, signature: string): SignedCharge | null {
  const cut = signature.lastIndexOf("--");
  if (cut <= 0) return null;
  const data = signature.slice(0, cut);
  const digest = signature.slice(cut + 2);
  if (!safeEqual(digest, createHmac("sha256", secret).update(data).digest("hex"))) return null;
  try {
    const parsed = JSON.parse(Buffer.from(data, "base64url").toString("utf8")) as SignedCharge;
    return typeof parsed.shop === "string" && typeof parsed.id === "number" ? parsed : null;
  } catch {
    return null;
  }
}

export function approvalUrl(baseUrl: string, app: AppConfig, secret: string, charge: SignedCharge): string {
  const signature = encodeURIComponent(signCharge(secret, charge));
  return `${baseUrl}/store/${storeHandle(charge.shop)}/charges/${app.handle}/${charge.id}/RecurringApplicationCharge/${PAGE[charge.kind]}?signature=${signature}`;
}

/** Where the merchant lands after deciding: the returnUrl with `charge_id`, on the stand-in if it points at the admin. */
export function returnTarget(baseUrl: string, returnUrl: string, chargeId: number): string {
  const url = new URL(returnUrl);
  url.searchParams.set("charge_id", String(chargeId));
  return localiseLocation(url.toString(), baseUrl, "admin");
}

export interface ApprovalDeps {
  app: AppConfig;
  secret: string;
  baseUrl: () => string;
  shop: (domain: string) => { model: ShopBilling; name: string } | undefined;
}

const ROUTE =
  /^\/store\/([a-z0-9][a-z0-9-]*)\/charges\/([^/]+)\/(\d+)\/RecurringApplicationCharge\/(confirm_recurring_application_charge|confirm_update_capped_amount)$/;

/** Serves the approval page; false when the path is not one of its own. */
export async function approvalRoute(deps: ApprovalDeps, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const match = ROUTE.exec(url.pathname);
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) return false;
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "POST") return false;
  const domain = `${match[1]}.myshopify.com`;
  const kind: ApprovalKind = match[4] === PAGE.capped ? "capped" : "subscription";
  const charge = verifyCharge(deps.secret, url.searchParams.get("signature") ?? "");
  const shop = deps.shop(domain);
  if (
    !charge ||
    !shop ||
    match[2] !== deps.app.handle ||
    charge.shop !== domain ||
    charge.id !== Number(match[3]) ||
    charge.kind !== kind
  ) {
    if (method === "POST") await readParams(req).catch(() => undefined);
    sendHtml(
      res,
      403,
      page("Invalid charge link", `<p data-testid="charge-invalid">This link isn’t valid. Ask the app for a new one.</p>`),
    );
    return true;
  }
  shop.model.tick();
  const subscription = shop.model.get(charge.id);
  if (!subscription) {
    sendHtml(res, 404, page("Charge not found", "<p>There’s no charge at this address.</p>"));
    return true;
  }

  if (method === "POST") {
    const params = (await readParams(req).catch(() => undefined)) ?? {};
    const decision = params.decision;
    if (decision !== "approve" && decision !== "decline") {
      sendHtml(res, 400, page("Choose approve or decline", "<p>Missing decision.</p>"));
      return true;
    }
    const result =
      kind === "capped"
        ? shop.model.decideCap(charge.id, charge.request ?? -1, decision === "approve")
        : decision === "approve"
          ? shop.model.approve(charge.id)
          : shop.model.decline(charge.id);
    if (!result.ok) {
      sendHtml(res, 409, page("Nothing to approve", `<p data-testid="charge-state">${escapeHtml(result.message ?? "")}</p>`));
      return true;
    }
    res.writeHead(303, { Location: returnTarget(deps.baseUrl(), subscription.returnUrl, subscription.id), "Content-Length": 0 });
    res.end();
    return true;
  }

  const pending =
    kind === "capped"
      ? shop.model.pendingCapRequest(charge.id, charge.request ?? -1) !== null
      : subscription.status === "PENDING" && !subscription.deferred;
  sendHtml(res, 200, approvalHtml(deps.app, shop, subscription, kind, charge.request ?? -1, pending, url), {
    "Cache-Control": "no-store",
  });
  return true;
}

const moneyText = (amount: number, currency: string) => `${amount.toFixed(2)} ${escapeHtml(currency)}`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function approvalHtml(
  app: AppConfig,
  shop: { model: ShopBilling; name: string },
  subscription: SubscriptionRecord,
  kind: ApprovalKind,
  request: number,
  pending: boolean,
  url: URL,
): string {
  const rows: string[] = [];
  const recurring = recurringLine(subscription);
  const usage = usageLine(subscription);
  if (kind === "capped") {
    const found = shop.model.pendingCapRequest(subscription.id, request);
    if (usage)
      rows.push(
        `<p data-testid="charge-cap-change">Usage limit: <s>${moneyText(usage.cappedAmount.amount, usage.cappedAmount.currencyCode)}</s> → <strong>${
          found ? moneyText(found.line.pendingCap?.amount ?? 0, usage.cappedAmount.currencyCode) : "—"
        }</strong> every 30 days</p>`,
      );
  } else {
    if (recurring) {
      const every = recurring.interval === "ANNUAL" ? "per year" : "every 30 days";
      rows.push(
        `<p data-testid="charge-price"><strong>${moneyText(recurring.price.amount, recurring.price.currencyCode)}</strong> <span data-testid="charge-interval">${every}</span></p>`,
      );
      const discount = recurring.discount;
      if (discount) {
        const off =
          discount.percentage !== null
            ? `${Math.round(discount.percentage * 1000) / 10}% off`
            : `${moneyText(discount.amount ?? 0, recurring.price.currencyCode)} off`;
        const limit = remainingDiscountIntervals(recurring);
        rows.push(
          `<p data-testid="charge-discount">${off}${limit === null ? "" : ` for ${limit} billing cycle${limit === 1 ? "" : "s"}`}: ${moneyText(
            priceAfterDiscount(recurring),
            recurring.price.currencyCode,
          )}</p>`,
        );
      }
    }
    if (subscription.trialDays > 0) rows.push(`<p data-testid="charge-trial">${subscription.trialDays}-day free trial</p>`);
    if (usage)
      rows.push(
        `<p data-testid="charge-usage">Usage charges up to ${moneyText(usage.cappedAmount.amount, usage.cappedAmount.currencyCode)} every 30 days: ${escapeHtml(usage.terms)}</p>`,
      );
    const plan = shop.model.replacementPlan(subscription);
    if (plan && pending)
      rows.push(
        `<p data-testid="charge-replaces">Replaces your current plan “${escapeHtml(plan.current.name)}” ${
          plan.deferred && plan.current.periodEnd !== null ? `when its billing cycle ends on ${day(plan.current.periodEnd)}` : "now"
        }.</p>`,
      );
    if (subscription.status === "PENDING" && !subscription.deferred)
      rows.push(`<p class="muted">This request expires on ${day(subscription.createdAt + 2 * DAY_MS)}.</p>`);
  }
  const badge = subscription.test ? `<span class="badge" data-testid="charge-test-badge">Test charge: you won’t be billed</span>` : "";
  const action = `${url.pathname}?signature=${encodeURIComponent(url.searchParams.get("signature") ?? "")}`;
  const decide = pending
    ? `<form method="post" action="${escapeHtml(action)}">
  <button type="submit" name="decision" value="decline" data-testid="charge-decline">Decline</button>
  <button type="submit" name="decision" value="approve" class="primary" data-testid="charge-approve">Approve</button>
</form>`
    : `<p data-testid="charge-state">This charge is ${escapeHtml(subscription.deferred ? "approved (starts at the end of the current cycle)" : subscription.status.toLowerCase())}.</p>`;
  const title = kind === "capped" ? "Approve a higher usage limit" : "Approve subscription";
  return page(
    `${title} · ${shop.name}`,
    `<h1>${title}</h1>
<p class="muted">${escapeHtml(app.name)} · ${escapeHtml(shop.name)}</p>
<section class="card">
  <h2 data-testid="charge-name">${escapeHtml(subscription.name)} ${badge}</h2>
  ${rows.join("\n  ")}
  ${decide}
</section>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Shopify admin (local stand-in)</title>
<style>
  body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;background:#f1f1f1;color:#303030}
  header{background:#1a1a1a;color:#fff;padding:16px;font-size:14px} header b{color:#95bf47}
  main{max-width:560px;margin:32px auto;padding:0 16px} .card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
  .muted{color:#616161;font-size:13px} .badge{background:#ffd79d;color:#5e4200;border-radius:8px;padding:2px 8px;font-size:12px;font-weight:500;vertical-align:middle}
  form{display:flex;gap:8px;justify-content:flex-end;margin-top:16px} button{border:1px solid #c9c9c9;background:#fff;border-radius:8px;padding:8px 14px;font-size:14px;cursor:pointer}
  button.primary{background:#303030;color:#fff;border-color:#303030}
</style></head>
<body><header><b>shopify</b> admin · local stand-in</header><main>${body}</main></body></html>`;
}
