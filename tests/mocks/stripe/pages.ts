/**
 * The hosted pages' HTML: Checkout, the 3-D Secure challenge, the customer portal and the hosted invoice page. No
 * script: plain forms that POST back, so a browser test and a `fetch` with a form body drive them alike. Field names
 * follow Stripe Checkout's (`cardNumber`, `cardExpiry`, `cardCvc`, `billingName`, `billingCountry`,
 * `billingPostalCode`), and every control has a `data-testid`.
 */
import { escapeHtml } from "../shopify/http";
import { productName } from "./billing";
import type { Ctx } from "./context";
import { formatAmount, formatDate } from "./money";
import type { CheckoutSessionRec, CustomerRec, InvoiceRec, PaymentMethodRec, SubscriptionRec, TaxIdRec } from "./store";
import { invoiceUrls } from "./views";

const e = escapeHtml;

export const COUNTRIES: [string, string][] = [
  ["US", "United States"],
  ["GB", "United Kingdom"],
  ["IE", "Ireland"],
  ["DE", "Germany"],
  ["FR", "France"],
  ["ES", "Spain"],
  ["IT", "Italy"],
  ["NL", "Netherlands"],
  ["BE", "Belgium"],
  ["AT", "Austria"],
  ["SE", "Sweden"],
  ["DK", "Denmark"],
  ["FI", "Finland"],
  ["PL", "Poland"],
  ["PT", "Portugal"],
  ["CH", "Switzerland"],
  ["NO", "Norway"],
  ["AU", "Australia"],
  ["NZ", "New Zealand"],
  ["CA", "Canada"],
  ["SG", "Singapore"],
  ["IN", "India"],
  ["JP", "Japan"],
  ["BR", "Brazil"],
  ["MX", "Mexico"],
];

const TAX_ID_CHOICES: [string, string][] = [
  ["eu_vat", "EU VAT"],
  ["gb_vat", "UK VAT"],
  ["au_abn", "Australian ABN"],
  ["nz_gst", "New Zealand GST"],
  ["ca_bn", "Canadian BN"],
  ["ch_vat", "Swiss VAT"],
  ["no_vat", "Norwegian VAT"],
  ["us_ein", "US EIN"],
];

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#1a1f36;background:#f6f9fc}
main{max-width:980px;margin:0 auto;padding:32px 20px;display:grid;gap:32px}@media(min-width:800px){main.split{grid-template-columns:1fr 1fr}}
h1{font-size:22px;margin:.2em 0}h2{font-size:17px;margin:1.2em 0 .5em}.muted{color:#697386}.merchant{font-weight:600}
.price{font-size:32px;font-weight:600;margin:.2em 0}.price span{font-size:15px;font-weight:400;color:#697386}
table{width:100%;border-collapse:collapse}td,th{padding:6px 0;text-align:left;vertical-align:top}td.r,th.r{text-align:right}tr.total td{font-weight:600;border-top:1px solid #e3e8ee}
form{display:grid;gap:10px}label{display:grid;gap:4px;font-size:13px;color:#3c4257}
input,select{font:inherit;padding:9px 10px;border:1px solid #d5dbe1;border-radius:6px;background:#fff}
button{font:inherit;font-weight:600;padding:11px;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1a1f36;border:1px solid #d5dbe1}button.danger{background:#df1b41}
.row{display:grid;grid-template-columns:1fr 1fr;gap:10px}.card{background:#fff;border-radius:8px;padding:18px 20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.error{color:#df1b41;background:#fff0f3;border-radius:6px;padding:8px 10px;margin:0}.notice{color:#0e6245;background:#e6f6ee;border-radius:6px;padding:8px 10px;margin:0}
.badge{display:inline-block;font-size:12px;padding:1px 7px;border-radius:10px;background:#e3e8ee}.testmode{font-size:12px;background:#ffde92;color:#5c3b00;padding:2px 8px;border-radius:4px}
a{color:#635bff}
`;

export function layout(title: string, body: string, mainClass = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(title)}</title><style>${STYLE}</style></head><body><main class="${mainClass}">${body}</main></body></html>`;
}

export function messagePage(title: string, message: string, link?: { href: string; label: string }): string {
  return layout(
    title,
    `<section class="card" data-testid="message"><h1>${e(title)}</h1><p>${e(message)}</p>${link ? `<p><a href="${e(link.href)}" data-testid="message-link">${e(link.label)}</a></p>` : ""}</section>`,
  );
}

const countryOptions = (selected: string | null | undefined) =>
  `<option value="">Select…</option>${COUNTRIES.map(([code, name]) => `<option value="${code}"${code === selected ? " selected" : ""}>${e(name)}</option>`).join("")}`;

const cardFields = (form: Record<string, string>, withAddress = true, country?: string | null) => `
  <label>Card information<input name="cardNumber" data-testid="card-number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" value="${e(form.cardNumber ?? "")}"></label>
  <div class="row"><label>Expiry<input name="cardExpiry" data-testid="card-expiry" autocomplete="cc-exp" placeholder="MM / YY" value="${e(form.cardExpiry ?? "")}"></label>
  <label>CVC<input name="cardCvc" data-testid="card-cvc" autocomplete="cc-csc" placeholder="CVC" value="${e(form.cardCvc ?? "")}"></label></div>
  <label>Name on card<input name="billingName" data-testid="billing-name" autocomplete="cc-name" value="${e(form.billingName ?? "")}"></label>
  ${
    withAddress
      ? `<div class="row"><label>Country or region<select name="billingCountry" data-testid="billing-country">${countryOptions(form.billingCountry ?? country)}</select></label>
  <label>Postal code<input name="billingPostalCode" data-testid="billing-postal-code" autocomplete="postal-code" value="${e(form.billingPostalCode ?? "")}"></label></div>`
      : ""
  }`;

const everyLabel = (interval: string, count: number) => (count === 1 ? `per ${interval}` : `every ${count} ${interval}s`);

export interface CheckoutPageState {
  form: Record<string, string>;
  error?: string;
  notice?: string;
}

export function checkoutPage(ctx: Ctx, cs: CheckoutSessionRec, customer: CustomerRec | undefined, state: CheckoutPageState): string {
  const lines = cs.lineItems.map((line) => {
    const price = ctx.store.prices.get(line.price);
    return { line, price, name: productName(ctx, price), amount: price.unitAmount * line.quantity };
  });
  const first = lines[0];
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const trialDays = cs.trialPeriodDays ?? (cs.trialEnd !== null ? Math.ceil((cs.trialEnd - cs.created) / 86400) : null);
  const recurring = first?.price.recurring;
  const every = recurring ? everyLabel(recurring.interval, recurring.intervalCount) : "";
  const discount = cs.discounts[0];
  const promo = discount?.promotionCode ? ctx.store.promotionCodes.find(discount.promotionCode) : undefined;
  const coupon = ctx.store.coupons.find(promo?.coupon ?? discount?.coupon ?? "");
  const off = coupon
    ? coupon.percentOff !== null
      ? Math.round((subtotal * coupon.percentOff) / 100)
      : Math.min(coupon.amountOff ?? 0, subtotal)
    : 0;
  const dueToday = trialDays ? 0 : subtotal - off;
  const headline = trialDays
    ? `<p class="price" data-testid="headline">${trialDays} days free <span>then ${e(formatAmount(subtotal, cs.currency))} ${every}</span></p>`
    : `<p class="price" data-testid="headline">${e(formatAmount(subtotal, cs.currency))} <span>${every}</span></p>`;
  const rows = lines
    .map(
      (l) =>
        `<tr data-testid="line-item"><td>${e(l.name)}${l.line.quantity > 1 ? ` × ${l.line.quantity}` : ""}<div class="muted">Billed ${e(every)}</div></td><td class="r">${e(formatAmount(l.amount, cs.currency))}</td></tr>`,
    )
    .join("");
  const discountRow = coupon
    ? `<tr data-testid="discount"><td>${e(promo?.code ?? coupon.name ?? coupon.id)} <span class="muted">(${coupon.percentOff !== null ? `${coupon.percentOff}% off` : `${e(formatAmount(coupon.amountOff ?? 0, cs.currency))} off`}${coupon.duration === "repeating" ? ` for ${coupon.durationInMonths} months` : coupon.duration === "forever" ? "" : ", once"})</span></td><td class="r">−${e(formatAmount(off, cs.currency))}</td></tr>`
    : "";
  const taxRow = cs.automaticTax ? `<tr><td>Tax</td><td class="r muted">Calculated from your address</td></tr>` : "";
  const promoForm = cs.allowPromotionCodes
    ? promo
      ? `<form method="post" data-testid="promo-applied"><input type="hidden" name="action" value="remove_promo"><p class="notice">Code <strong>${e(promo.code)}</strong> applied</p><button class="secondary" data-testid="remove-promo">Remove code</button></form>`
      : `<form method="post" data-testid="promo-form"><input type="hidden" name="action" value="apply_promo"><label>Promotion code<input name="promotionCode" data-testid="promotion-code" value="${e(state.form.promotionCode ?? "")}"></label><button class="secondary" data-testid="apply-promo">Apply</button></form>`
    : "";
  const emailField = customer?.email
    ? `<label>Email<input name="email" data-testid="email" value="${e(customer.email)}" readonly></label>`
    : `<label>Email<input name="email" type="email" data-testid="email" autocomplete="email" value="${e(state.form.email ?? cs.customerEmail ?? "")}"></label>`;
  const taxIdFields = cs.taxIdCollection
    ? `<fieldset style="border:0;padding:0;display:grid;gap:10px"><legend class="muted">Purchasing as a business? (optional)</legend>
       <label>Business name<input name="businessName" data-testid="business-name" value="${e(state.form.businessName ?? "")}"></label>
       <div class="row"><label>Tax ID type<select name="taxIdType" data-testid="tax-id-type">${TAX_ID_CHOICES.map(([v, l]) => `<option value="${v}"${state.form.taxIdType === v ? " selected" : ""}>${e(l)}</option>`).join("")}</select></label>
       <label>Tax ID<input name="taxIdValue" data-testid="tax-id-value" value="${e(state.form.taxIdValue ?? "")}"></label></div></fieldset>`
    : "";
  const cardOptional = trialDays !== null && cs.paymentMethodCollection === "if_required";
  const body = `
  <section data-testid="summary">
    <p class="merchant">${e(ctx.account.name)} <span class="testmode">TEST MODE</span></p>
    <h1>${trialDays ? "Try" : "Subscribe to"} ${e(lines.map((l) => l.name).join(", "))}</h1>
    ${headline}
    <table>${rows}${discountRow}
      <tr><td>Subtotal</td><td class="r">${e(formatAmount(subtotal - off, cs.currency))}</td></tr>${taxRow}
      <tr class="total"><td>Total due today</td><td class="r" data-testid="due-today">${e(formatAmount(dueToday, cs.currency))}</td></tr>
    </table>
    ${cs.cancelUrl ? `<p><a href="${e(cs.cancelUrl)}" data-testid="cancel">← Back to ${e(ctx.account.name)}</a></p>` : ""}
  </section>
  <section class="card" data-testid="payment">
    ${promoForm}
    <form method="post" data-testid="checkout-form">
      <input type="hidden" name="action" value="pay">
      ${state.error ? `<p class="error" role="alert" data-testid="error">${e(state.error)}</p>` : ""}
      ${state.notice ? `<p class="notice" data-testid="notice">${e(state.notice)}</p>` : ""}
      ${emailField}
      <h2>Payment method${cardOptional ? ` <span class="muted">(optional during the trial)</span>` : ""}</h2>
      ${cardFields(state.form, true, customer?.address?.country)}
      ${taxIdFields}
      <button data-testid="submit">${trialDays ? "Start trial" : "Subscribe"}</button>
      <p class="muted">A local Stripe stand-in: use test cards such as 4242 4242 4242 4242 (any future expiry, any CVC).</p>
    </form>
  </section>`;
  return layout(`${ctx.account.name} – Checkout`, body, "split");
}

export function challengePage(ctx: Ctx, amount: number | null, currency: string, action: string): string {
  const body = `<section class="card" data-testid="three-d-secure">
    <p class="merchant">${e(ctx.account.name)} <span class="testmode">TEST MODE</span></p>
    <h1>3D Secure 2 Test Page</h1>
    <p>${amount !== null && amount > 0 ? `Authenticate a payment of ${e(formatAmount(amount, currency))}.` : "Authenticate this card for future payments."} This is where the bank would ask the cardholder to confirm.</p>
    <form method="post" action="${e(action)}"><input type="hidden" name="result" value="complete"><button data-testid="complete-authentication">Complete authentication</button></form>
    <form method="post" action="${e(action)}" style="margin-top:10px"><input type="hidden" name="result" value="fail"><button class="secondary" data-testid="fail-authentication">Fail authentication</button></form>
  </section>`;
  return layout("3D Secure 2 Test Page", body);
}

function subscriptionSummary(ctx: Ctx, sub: SubscriptionRec): string {
  const names = sub.items
    .map((item) => {
      const price = ctx.store.prices.get(item.price);
      const every = price.recurring ? everyLabel(price.recurring.interval, price.recurring.intervalCount) : "";
      return `${e(productName(ctx, price))}${item.quantity > 1 ? ` × ${item.quantity}` : ""} — ${e(formatAmount(price.unitAmount * item.quantity, price.currency))} ${every}`;
    })
    .join("<br>");
  const state =
    sub.status === "trialing"
      ? `Trial ends ${formatDate(sub.trialEnd ?? sub.periodEnd)}`
      : sub.status === "paused"
        ? "Paused"
        : sub.cancelAtPeriodEnd
          ? `Cancels ${formatDate(sub.periodEnd)}`
          : sub.status === "canceled"
            ? `Canceled ${formatDate(sub.endedAt ?? sub.canceledAt ?? sub.periodEnd)}`
            : `Renews ${formatDate(sub.periodEnd)}`;
  const collection = sub.pauseCollection ? ` · payment collection paused (${sub.pauseCollection.behavior})` : "";
  const button = (action: string, label: string, kind = "secondary") =>
    `<form method="post" style="display:inline"><input type="hidden" name="action" value="${action}"><input type="hidden" name="subscription" value="${e(sub.id)}"><button class="${kind}" data-testid="${action}-${e(sub.id)}">${label}</button></form>`;
  const actions =
    sub.status === "paused"
      ? button("resume", "Resume subscription", "")
      : sub.status === "canceled" || sub.status === "incomplete_expired"
        ? ""
        : sub.cancelAtPeriodEnd
          ? button("renew", "Renew subscription", "")
          : button("cancel", "Cancel subscription", "danger");
  return `<div class="card" data-testid="subscription" data-subscription="${e(sub.id)}"><p><strong>${names}</strong></p>
    <p><span class="badge" data-testid="subscription-status">${e(sub.status)}</span> <span class="muted">${e(state)}${e(collection)}</span></p>${actions}</div>`;
}

export interface PortalPageData {
  customer: CustomerRec;
  subscriptions: SubscriptionRec[];
  paymentMethod: PaymentMethodRec | undefined;
  invoices: InvoiceRec[];
  taxIds: TaxIdRec[];
  returnUrl: string | null;
  notice: string | null;
  error: string | null;
}

export function portalPage(ctx: Ctx, d: PortalPageData): string {
  const pm = d.paymentMethod;
  const invoices = d.invoices
    .map((inv) => {
      const urls = invoiceUrls(ctx, inv);
      return `<tr data-testid="invoice" data-invoice="${e(inv.id)}"><td>${e(formatDate(inv.created))}</td><td>${e(inv.number ?? "Draft")}</td><td class="r">${e(formatAmount(inv.total, inv.currency))}</td><td><span class="badge">${e(inv.status)}</span></td>
        <td class="r">${urls.hosted ? `<a href="${e(urls.hosted)}" data-testid="invoice-link">View</a>` : ""} ${urls.pdf ? `<a href="${e(urls.pdf)}" data-testid="invoice-pdf">PDF</a>` : ""}</td></tr>`;
    })
    .join("");
  const taxIds = d.taxIds
    .map(
      (t) =>
        `<li data-testid="tax-id">${e(t.type)} ${e(t.value)} <span class="badge">${e(t.verification)}</span> <form method="post" style="display:inline"><input type="hidden" name="action" value="delete_tax_id"><input type="hidden" name="taxId" value="${e(t.id)}"><button class="secondary" data-testid="delete-tax-id">Remove</button></form></li>`,
    )
    .join("");
  const c = d.customer;
  const body = `
  <section>
    <p class="merchant">${e(ctx.account.name)} <span class="testmode">TEST MODE</span></p>
    ${d.returnUrl ? `<p><a href="${e(d.returnUrl)}" data-testid="return">← Return to ${e(ctx.account.name)}</a></p>` : ""}
    ${d.notice ? `<p class="notice" data-testid="notice">${e(d.notice)}</p>` : ""}
    ${d.error ? `<p class="error" role="alert" data-testid="error">${e(d.error)}</p>` : ""}
    <h2>Current subscription</h2>
    ${d.subscriptions.map((s) => subscriptionSummary(ctx, s)).join("") || `<p class="muted">No subscriptions.</p>`}
    <h2>Payment method</h2>
    <div class="card"><p data-testid="payment-method">${pm?.card ? `${e(pm.card.brand)} •••• ${e(pm.card.last4)} <span class="muted">expires ${pm.card.expMonth}/${pm.card.expYear}</span>` : `<span class="muted">No payment method</span>`}</p>
      <form method="post" data-testid="payment-method-form"><input type="hidden" name="action" value="update_card">${cardFields({}, false)}<button data-testid="update-card">Update payment method</button></form></div>
    <h2>Billing information</h2>
    <div class="card"><form method="post" data-testid="billing-form"><input type="hidden" name="action" value="update_billing">
      <label>Email<input name="email" data-testid="billing-email" value="${e(c.email ?? "")}"></label>
      <label>Name<input name="name" data-testid="billing-name" value="${e(c.name ?? "")}"></label>
      <div class="row"><label>Country or region<select name="country" data-testid="billing-country">${countryOptions(c.address?.country)}</select></label>
      <label>Postal code<input name="postalCode" data-testid="billing-postal-code" value="${e(c.address?.postal_code ?? "")}"></label></div>
      <button class="secondary" data-testid="save-billing">Save</button></form></div>
    <h2>Tax IDs</h2>
    <div class="card"><ul>${taxIds || `<li class="muted">None</li>`}</ul>
      <form method="post" data-testid="tax-id-form"><input type="hidden" name="action" value="add_tax_id"><div class="row"><label>Type<select name="taxIdType" data-testid="tax-id-type">${TAX_ID_CHOICES.map(([v, l]) => `<option value="${v}">${e(l)}</option>`).join("")}</select></label><label>Tax ID<input name="taxIdValue" data-testid="tax-id-value"></label></div><button class="secondary" data-testid="add-tax-id">Add tax ID</button></form></div>
    <h2>Invoice history</h2>
    <div class="card"><table>${invoices || `<tr><td class="muted">No invoices yet.</td></tr>`}</table></div>
  </section>`;
  return layout(`${ctx.account.name} – Billing`, body);
}

export function invoicePage(ctx: Ctx, inv: InvoiceRec, state: { error?: string; notice?: string }): string {
  const urls = invoiceUrls(ctx, inv);
  const lines = inv.lines
    .map(
      (line) =>
        `<tr data-testid="invoice-line"><td>${e(line.description)}<div class="muted">${e(formatDate(line.periodStart))} – ${e(formatDate(line.periodEnd))}</div></td><td class="r">${e(formatAmount(line.amount, inv.currency))}</td></tr>`,
    )
    .join("");
  const discount = inv.totalDiscounts.reduce((s, d) => s + d.amount, 0);
  const taxes = inv.totalTaxes
    .map((t) => {
      const rate = t.taxRate ? ctx.store.taxRates.find(t.taxRate) : undefined;
      const label = rate ? `${rate.displayName} (${rate.percentage}%)` : t.reason === "reverse_charge" ? "Reverse charge (0%)" : "Tax";
      return `<tr><td>${e(label)}</td><td class="r">${e(formatAmount(t.amount, inv.currency))}</td></tr>`;
    })
    .join("");
  const pay =
    inv.status === "open"
      ? `<form method="post" data-testid="invoice-pay-form">${state.error ? `<p class="error" role="alert" data-testid="error">${e(state.error)}</p>` : ""}${cardFields({}, false)}<button data-testid="pay">Pay ${e(formatAmount(inv.amountRemaining, inv.currency))}</button></form>`
      : "";
  const body = `<section class="card" data-testid="invoice">
    <p class="merchant">${e(ctx.account.name)} <span class="testmode">TEST MODE</span></p>
    <h1>Invoice ${e(inv.number ?? "")}</h1>
    ${state.notice ? `<p class="notice" data-testid="notice">${e(state.notice)}</p>` : ""}
    <p><span class="badge" data-testid="invoice-status">${e(inv.status)}</span> <span class="muted">${inv.status === "paid" && inv.paidAt ? `Paid ${e(formatDate(inv.paidAt))}` : `Issued ${e(formatDate(inv.finalizedAt ?? inv.created))}`}</span></p>
    <p class="price" data-testid="amount">${e(formatAmount(inv.status === "paid" ? inv.amountPaid : inv.amountRemaining, inv.currency))}</p>
    <table>${lines}
      <tr class="total"><td>Subtotal</td><td class="r">${e(formatAmount(inv.subtotal, inv.currency))}</td></tr>
      ${discount ? `<tr><td>Discount</td><td class="r">−${e(formatAmount(discount, inv.currency))}</td></tr>` : ""}${taxes}
      <tr class="total"><td>Total</td><td class="r">${e(formatAmount(inv.total, inv.currency))}</td></tr>
      <tr><td>Amount due</td><td class="r">${e(formatAmount(inv.amountDue, inv.currency))}</td></tr>
    </table>
    ${urls.pdf ? `<p><a href="${e(urls.pdf)}" data-testid="download-pdf">Download invoice</a></p>` : ""}
    ${pay}
  </section>`;
  return layout(`Invoice ${inv.number ?? inv.id}`, body);
}
