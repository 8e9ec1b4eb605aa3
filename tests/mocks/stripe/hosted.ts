/**
 * The hosted pages a customer's browser visits: Checkout (`session.url`), its 3-D Secure challenge, the customer
 * portal (`billing_portal.session.url`), the hosted invoice page (`hosted_invoice_url`) and the invoice PDF
 * (`invoice_pdf`). Forms POST back and answer 303 to the next page (post/redirect/get), or re-render with the
 * error (400 for a form mistake, 402 for a declined card).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHtml } from "../shopify/http";
import type { Api } from "./api";
import { attemptPayment, checkPromotionCode, createSubscription, resumeSubscription, updateSubscription } from "./billing";
import { charge, describeCard, readCardForm, setUp, type ChargeOutcome } from "./cards";
import { emit, emitIfChanged, nowFor, type Ctx } from "./context";
import { StripeApiError } from "./errors";
import { newId } from "./ids";
import { challengePage, checkoutPage, invoicePage, messagePage, portalPage } from "./pages";
import { formatDate } from "./money";
import { renderInvoicePdf } from "./pdf";
import type { Address, CheckoutSessionRec, CustomerRec, PaymentMethodRec, PortalSessionRec } from "./store";
import { checkTaxId } from "./tax";
import {
  CHECKOUT_PATH,
  INVOICE_PAGE_PATH,
  INVOICE_PDF_PATH,
  PORTAL_PATH,
  checkoutSessionView,
  customerView,
  paymentMethodView,
  subscriptionView,
  taxIdView,
} from "./views";

const AUTH_FAILED = "We are unable to authenticate your payment method. Please choose a different payment method and try again.";
const CARD_FIELDS = ["cardNumber", "cardExpiry", "cardCvc"];

class FormError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function seeOther(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Content-Length": 0 });
  res.end();
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await readBody(req, 100_000)));
}

const withoutCard = (form: Record<string, string>) => Object.fromEntries(Object.entries(form).filter(([k]) => !CARD_FIELDS.includes(k)));

const declineMessage = (outcome: ChargeOutcome) => (outcome.kind === "declined" ? outcome.message : AUTH_FAILED);

export function createHosted(ctx: Ctx, api: Api, hooks: { flush(): void; runDue(): void }) {
  const { store } = ctx;
  const invoicePending = new Map<string, string>();

  const newCard = (form: Record<string, string>, at: number, customer: string | null): PaymentMethodRec => {
    const read = readCardForm(form, at);
    if (!read.ok) throw new FormError(read.message);
    const { card, behavior } = describeCard(read.input);
    return {
      id: newId("paymentMethod"),
      created: at,
      customer,
      card,
      behavior,
      authenticated: false,
      billingDetails: {
        name: form.billingName?.trim() || null,
        email: form.email?.trim() || null,
        address: form.billingCountry
          ? {
              line1: null,
              line2: null,
              city: null,
              state: null,
              postal_code: form.billingPostalCode?.trim() || null,
              country: form.billingCountry,
            }
          : null,
      },
      metadata: {},
    };
  };

  const attachTo = (pm: PaymentMethodRec, customer: CustomerRec, at: number, authenticated: boolean) => {
    if (!store.paymentMethods.find(pm.id)) store.paymentMethods.add(pm);
    pm.authenticated ||= authenticated;
    if (pm.customer === customer.id) return;
    pm.customer = customer.id;
    emit(ctx, "payment_method.attached", paymentMethodView(pm), at);
  };

  // ------------------------------------------------------------------------------------------ checkout

  const sessionNow = (cs: CheckoutSessionRec) => {
    const customer = cs.customer ? store.customers.find(cs.customer) : undefined;
    return nowFor(ctx, customer?.testClock ?? null);
  };

  const openSession = (id: string): CheckoutSessionRec | string => {
    const cs = store.checkoutSessions.find(id);
    if (!cs) return "missing";
    if (cs.status === "open" && cs.expiresAt <= sessionNow(cs)) {
      cs.status = "expired";
      cs.pending = null;
      emit(ctx, "checkout.session.expired", checkoutSessionView(ctx, cs), cs.expiresAt);
      hooks.flush();
    }
    return cs.status === "open" ? cs : cs.status;
  };

  const sessionGone = (res: ServerResponse, state: string, cs?: CheckoutSessionRec) => {
    if (state === "complete" && cs)
      return sendHtml(
        res,
        200,
        messagePage(
          "Thanks for your order",
          "This checkout session is complete.",
          cs.successUrl ? { href: successUrl(cs), label: "Continue" } : undefined,
        ),
      );
    if (state === "expired") return sendHtml(res, 410, messagePage("This session has expired", "Return to the merchant and start again."));
    return sendHtml(res, 404, messagePage("Not found", "The page you were looking for could not be found."));
  };

  const successUrl = (cs: CheckoutSessionRec) =>
    cs.successUrl ? cs.successUrl.replaceAll("{CHECKOUT_SESSION_ID}", cs.id) : `${ctx.baseUrl()}${CHECKOUT_PATH}/${cs.id}`;

  const dueToday = (cs: CheckoutSessionRec): number => {
    if (cs.trialPeriodDays !== null || cs.trialEnd !== null) return 0;
    const subtotal = cs.lineItems.reduce((s, l) => s + store.prices.get(l.price).unitAmount * l.quantity, 0);
    const d = cs.discounts[0];
    const promo = d?.promotionCode ? store.promotionCodes.find(d.promotionCode) : undefined;
    const coupon = store.coupons.find(promo?.coupon ?? d?.coupon ?? "");
    if (!coupon) return subtotal;
    return coupon.percentOff !== null
      ? subtotal - Math.round((subtotal * coupon.percentOff) / 100)
      : Math.max(0, subtotal - (coupon.amountOff ?? 0));
  };

  const renderCheckout = (res: ServerResponse, cs: CheckoutSessionRec, status: number, form: Record<string, string>, error?: string) => {
    const customer = cs.customer ? store.customers.find(cs.customer) : undefined;
    sendHtml(res, status, checkoutPage(ctx, cs, customer, { form: withoutCard(form), error }));
  };

  /** Validates the form's non-card fields; throws FormError with Checkout's wording. */
  const checkCheckoutForm = (cs: CheckoutSessionRec, form: Record<string, string>) => {
    const customer = cs.customer ? store.customers.find(cs.customer) : undefined;
    const email = customer?.email ?? form.email?.trim() ?? "";
    if (!email) throw new FormError("Your email is incomplete.");
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new FormError("Your email address is invalid.");
    const needsAddress = cs.automaticTax || cs.billingAddressCollection === "required" || !!form.cardNumber?.trim();
    if (needsAddress && !form.billingCountry) throw new FormError("Your country or region is incomplete.");
    if (cs.automaticTax && ["US", "CA", "GB"].includes(form.billingCountry ?? "") && !form.billingPostalCode?.trim())
      throw new FormError("Your postal code is incomplete.");
    if (cs.taxIdCollection && form.taxIdValue?.trim()) {
      try {
        checkTaxId(form.taxIdType ?? "eu_vat", form.taxIdValue);
      } catch (error) {
        throw new FormError(error instanceof StripeApiError ? `Invalid tax ID: ${error.message}` : "Invalid tax ID.");
      }
      if (!form.businessName?.trim()) throw new FormError("Your business name is incomplete.");
    }
    return email;
  };

  const completeCheckout = (
    cs: CheckoutSessionRec,
    form: Record<string, string>,
    pm: PaymentMethodRec | null,
    authenticated: boolean,
  ): string => {
    const at = sessionNow(cs);
    const email = checkCheckoutForm(cs, form);
    const country = form.billingCountry || null;
    const address: Address | null = country
      ? { line1: null, line2: null, city: null, state: null, postal_code: form.billingPostalCode?.trim() || null, country }
      : null;
    const business = form.businessName?.trim() || null;
    const name = business ?? (form.billingName?.trim() || null);
    let customer = cs.customer ? store.customers.get(cs.customer) : undefined;
    if (!customer) customer = api.createCustomerForCheckout({ email, name, address, at });
    else {
      const existing = customer;
      emitIfChanged(
        ctx,
        "customer.updated",
        () => customerView(ctx, existing),
        at,
        () => {
          if (cs.customerUpdate.address === "auto" && address) existing.address = address;
          if (cs.customerUpdate.name === "auto" && name) existing.name = name;
        },
      );
    }
    if (business) customer.businessName = business;
    if (cs.taxIdCollection && form.taxIdValue?.trim()) api.addTaxId(customer, form.taxIdType ?? "eu_vat", form.taxIdValue, at);
    if (pm) attachTo(pm, customer, at, authenticated);
    const trialEnd = cs.trialEnd ?? (cs.trialPeriodDays !== null ? at + cs.trialPeriodDays * 86400 : null);
    const { sub, invoice } = createSubscription(ctx, {
      customer,
      items: cs.lineItems.map((l) => ({ price: store.prices.get(l.price), quantity: l.quantity, metadata: {} })),
      at,
      trialEnd,
      trialEndBehavior: cs.trialEndBehavior,
      defaultPaymentMethod: pm?.id ?? null,
      discounts: cs.discounts,
      metadata: { ...cs.subscriptionMetadata },
      description: cs.subscriptionDescription,
      automaticTax: cs.automaticTax,
      cancelAtPeriodEnd: false,
      paymentBehavior: "allow_incomplete",
      authenticated: true,
      checkoutSession: cs.id,
    });
    if (sub.status === "incomplete") throw new FormError("Your card was declined.", 402);
    const taxIds = store.taxIds.all().filter((t) => t.customer === customer.id);
    cs.status = "complete";
    cs.paymentStatus = invoice.amountPaid > 0 ? "paid" : "no_payment_required";
    cs.customer = customer.id;
    cs.subscription = sub.id;
    cs.invoice = invoice.id;
    cs.pending = null;
    cs.customerDetails = {
      email,
      name,
      businessName: business,
      address,
      taxIds: taxIds.map((t) => ({ type: t.type, value: t.value })),
      taxExempt: customer.taxExempt,
    };
    cs.amountSubtotal = invoice.subtotal;
    cs.amountTotal = invoice.total;
    cs.amountDiscount = invoice.totalDiscounts.reduce((s, d) => s + d.amount, 0);
    cs.amountTax = invoice.totalTaxes.filter((t) => t.behavior === "exclusive").reduce((s, t) => s + t.amount, 0);
    emit(ctx, "checkout.session.completed", checkoutSessionView(ctx, cs), at);
    return successUrl(cs);
  };

  const submitCheckout = (res: ServerResponse, cs: CheckoutSessionRec, form: Record<string, string>) => {
    const at = sessionNow(cs);
    const action = form.action ?? "pay";
    if (action === "apply_promo") {
      const code = form.promotionCode?.trim() ?? "";
      const promo = store.promotionCodes.all().find((p) => p.active && p.code.toLowerCase() === code.toLowerCase());
      if (!cs.allowPromotionCodes || !promo) throw new FormError("This code is invalid.");
      const customer = cs.customer ? store.customers.find(cs.customer) : undefined;
      const subtotal = cs.lineItems.reduce((s, l) => s + store.prices.get(l.price).unitAmount * l.quantity, 0);
      try {
        checkPromotionCode(ctx, promo, customer ?? null, subtotal, cs.currency, at, "promotion_code");
      } catch (error) {
        throw new FormError(error instanceof StripeApiError ? "This code is not valid for this purchase." : "This code is invalid.");
      }
      cs.discounts = [{ coupon: null, promotionCode: promo.id }];
      return seeOther(res, `${CHECKOUT_PATH}/${cs.id}`);
    }
    if (action === "remove_promo") {
      if (cs.allowPromotionCodes) cs.discounts = [];
      return seeOther(res, `${CHECKOUT_PATH}/${cs.id}`);
    }
    checkCheckoutForm(cs, form);
    const trial = cs.trialPeriodDays !== null || cs.trialEnd !== null;
    const cardGiven = !!form.cardNumber?.trim();
    if (!cardGiven && !(trial && cs.paymentMethodCollection === "if_required")) throw new FormError("Your card number is incomplete.");
    if (!cardGiven) return seeOther(res, completeCheckout(cs, form, null, false));
    const pm = newCard(form, at, null);
    const outcome = dueToday(cs) === 0 ? setUp(pm.behavior) : charge(pm.behavior, { offSession: false });
    if (outcome.kind === "declined") throw new FormError(outcome.message, 402);
    if (outcome.kind === "requires_action") {
      store.paymentMethods.add(pm);
      cs.pending = { paymentMethod: pm.id, form: withoutCard(form) };
      return seeOther(res, `${CHECKOUT_PATH}/${cs.id}/3ds`);
    }
    return seeOther(res, completeCheckout(cs, form, pm, false));
  };

  const checkoutRoute = async (req: IncomingMessage, res: ServerResponse, id: string, challenge: boolean) => {
    const open = openSession(id);
    if (typeof open === "string") return sessionGone(res, open, store.checkoutSessions.find(id));
    const cs = open;
    if (challenge) {
      if (!cs.pending) return seeOther(res, `${CHECKOUT_PATH}/${cs.id}`);
      if (req.method === "GET") return sendHtml(res, 200, challengePage(ctx, dueToday(cs), cs.currency, `${CHECKOUT_PATH}/${cs.id}/3ds`));
      const form = await readForm(req);
      const pending = cs.pending;
      if (form.result !== "complete") {
        cs.pending = null;
        return renderCheckout(res, cs, 402, pending.form, AUTH_FAILED);
      }
      try {
        const location = completeCheckout(cs, pending.form, store.paymentMethods.get(pending.paymentMethod), true);
        hooks.flush();
        return seeOther(res, location);
      } catch (error) {
        if (!(error instanceof FormError)) throw error;
        cs.pending = null;
        return renderCheckout(res, cs, error.status, pending.form, error.message);
      }
    }
    if (req.method === "GET") return renderCheckout(res, cs, 200, {});
    const form = await readForm(req);
    try {
      submitCheckout(res, cs, form);
      hooks.flush();
    } catch (error) {
      hooks.flush();
      if (error instanceof FormError) return renderCheckout(res, cs, error.status, form, error.message);
      if (error instanceof StripeApiError) return renderCheckout(res, cs, error.status === 402 ? 402 : 400, form, error.message);
      throw error;
    }
  };

  // ------------------------------------------------------------------------------------------ portal

  const portalData = (session: PortalSessionRec) => {
    const customer = store.customers.get(session.customer);
    const subscriptions = store.subscriptions.newestFirst().filter((s) => s.customer === customer.id && s.status !== "incomplete_expired");
    const live = subscriptions.find((s) => s.status !== "canceled");
    const pmId = customer.defaultPaymentMethod ?? live?.defaultPaymentMethod ?? null;
    return {
      customer,
      subscriptions,
      paymentMethod: pmId ? store.paymentMethods.find(pmId) : undefined,
      invoices: store.invoices.newestFirst().filter((i) => i.customer === customer.id && i.status !== "draft"),
      taxIds: store.taxIds.all().filter((t) => t.customer === customer.id),
      returnUrl: session.returnUrl,
      notice: session.notice,
      error: null as string | null,
    };
  };

  const applyNewCard = (session: PortalSessionRec, pm: PaymentMethodRec, authenticated: boolean): string => {
    const customer = store.customers.get(session.customer);
    const at = nowFor(ctx, customer.testClock);
    attachTo(pm, customer, at, authenticated);
    emitIfChanged(
      ctx,
      "customer.updated",
      () => customerView(ctx, customer),
      at,
      () => {
        customer.defaultPaymentMethod = pm.id;
      },
    );
    for (const sub of store.subscriptions.all())
      if (sub.customer === customer.id && !["canceled", "incomplete_expired"].includes(sub.status) && sub.defaultPaymentMethod !== pm.id)
        emitIfChanged(
          ctx,
          "customer.subscription.updated",
          () => subscriptionView(ctx, sub),
          at,
          () => {
            sub.defaultPaymentMethod = pm.id;
          },
        );
    // Stripe retries what is still due with the new card.
    let paid = 0;
    for (const inv of store.invoices.all())
      if (inv.customer === customer.id && inv.status === "open" && inv.attemptCount > 0) {
        const outcome = attemptPayment(ctx, inv, at, { offSession: true, paymentMethod: pm.id, authenticated });
        if (outcome.kind === "succeeded") paid += 1;
      }
    return paid
      ? `Payment method updated, and ${paid === 1 ? "the outstanding invoice was" : `${paid} outstanding invoices were`} paid.`
      : "Payment method updated.";
  };

  const portalAction = (session: PortalSessionRec, form: Record<string, string>): string | { redirect: string } => {
    const customer = store.customers.get(session.customer);
    const at = nowFor(ctx, customer.testClock);
    const ownSubscription = () => {
      const sub = store.subscriptions.find(form.subscription ?? "");
      if (!sub || sub.customer !== customer.id) throw new FormError("No such subscription.");
      return sub;
    };
    switch (form.action) {
      case "cancel": {
        const sub = ownSubscription();
        updateSubscription(
          ctx,
          sub,
          { items: [], prorationBehavior: "none", paymentBehavior: "allow_incomplete", cancelAtPeriodEnd: true },
          at,
        );
        return `Your subscription will be canceled on ${formatDate(sub.periodEnd)}.`;
      }
      case "renew": {
        const sub = ownSubscription();
        updateSubscription(
          ctx,
          sub,
          { items: [], prorationBehavior: "none", paymentBehavior: "allow_incomplete", cancelAtPeriodEnd: false },
          at,
        );
        return "Your subscription has been renewed.";
      }
      case "resume": {
        const sub = ownSubscription();
        resumeSubscription(ctx, sub, at, {
          billingCycleAnchor: "now",
          prorationBehavior: "create_prorations",
          paymentBehavior: "resume_on_payment_attempt",
        });
        return "Your subscription has been resumed.";
      }
      case "update_card": {
        const pm = newCard(form, at, null);
        const outcome = setUp(pm.behavior);
        if (outcome.kind === "declined") throw new FormError(outcome.message, 402);
        if (outcome.kind === "requires_action") {
          store.paymentMethods.add(pm);
          session.pending = { paymentMethod: pm.id, invoice: null };
          return { redirect: `${PORTAL_PATH}/${session.id}/3ds` };
        }
        return applyNewCard(session, pm, false);
      }
      case "add_tax_id":
        try {
          api.addTaxId(customer, form.taxIdType ?? "eu_vat", form.taxIdValue ?? "", at);
        } catch (error) {
          throw new FormError(error instanceof StripeApiError ? error.message : "Invalid tax ID.");
        }
        return "Tax ID added.";
      case "delete_tax_id": {
        const taxId = store.taxIds.find(form.taxId ?? "");
        if (!taxId || taxId.customer !== customer.id) throw new FormError("No such tax ID.");
        store.taxIds.remove(taxId.id);
        emit(ctx, "customer.tax_id.deleted", taxIdView(taxId), at);
        return "Tax ID removed.";
      }
      case "update_billing": {
        const email = form.email?.trim() ?? "";
        if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new FormError("Your email address is invalid.");
        emitIfChanged(
          ctx,
          "customer.updated",
          () => customerView(ctx, customer),
          at,
          () => {
            customer.email = email || null;
            customer.name = form.name?.trim() || null;
            const country = form.country || null;
            customer.address = country
              ? {
                  line1: customer.address?.line1 ?? null,
                  line2: customer.address?.line2 ?? null,
                  city: customer.address?.city ?? null,
                  state: customer.address?.state ?? null,
                  postal_code: form.postalCode?.trim() || null,
                  country,
                }
              : null;
          },
        );
        return "Billing information saved.";
      }
      default:
        throw new FormError("Unknown action.");
    }
  };

  const portalRoute = async (req: IncomingMessage, res: ServerResponse, id: string, challenge: boolean) => {
    const session = store.portalSessions.find(id);
    if (!session) return sendHtml(res, 404, messagePage("Not found", "This billing portal link is not valid."));
    const here = `${PORTAL_PATH}/${session.id}`;
    if (challenge) {
      const pending = session.pending;
      if (!pending) return seeOther(res, here);
      if (req.method === "GET") return sendHtml(res, 200, challengePage(ctx, null, "usd", `${here}/3ds`));
      const form = await readForm(req);
      session.pending = null;
      session.notice = form.result === "complete" ? applyNewCard(session, store.paymentMethods.get(pending.paymentMethod), true) : null;
      hooks.flush();
      if (form.result !== "complete") return sendHtml(res, 402, portalPage(ctx, { ...portalData(session), error: AUTH_FAILED }));
      return seeOther(res, here);
    }
    if (req.method === "GET") {
      const data = portalData(session);
      session.notice = null;
      return sendHtml(res, 200, portalPage(ctx, data));
    }
    const form = await readForm(req);
    try {
      const result = portalAction(session, form);
      hooks.flush();
      if (typeof result !== "string") return seeOther(res, result.redirect);
      session.notice = result;
      return seeOther(res, here);
    } catch (error) {
      hooks.flush();
      const message = error instanceof FormError || error instanceof StripeApiError ? error.message : undefined;
      if (message === undefined) throw error;
      return sendHtml(res, error instanceof FormError ? error.status : 400, portalPage(ctx, { ...portalData(session), error: message }));
    }
  };

  // ------------------------------------------------------------------------------------------ invoices

  const invoiceRoute = async (req: IncomingMessage, res: ServerResponse, id: string, challenge: boolean) => {
    const inv = store.invoices.find(id);
    if (!inv || inv.status === "draft") return sendHtml(res, 404, messagePage("Not found", "This invoice link is not valid."));
    const here = `${INVOICE_PAGE_PATH}/${inv.id}`;
    const customer = store.customers.get(inv.customer);
    const at = nowFor(ctx, customer.testClock);
    if (challenge) {
      const pmId = invoicePending.get(inv.id);
      if (!pmId) return seeOther(res, here);
      if (req.method === "GET") return sendHtml(res, 200, challengePage(ctx, inv.amountRemaining, inv.currency, `${here}/3ds`));
      const form = await readForm(req);
      invoicePending.delete(inv.id);
      if (form.result !== "complete") return sendHtml(res, 402, invoicePage(ctx, inv, { error: AUTH_FAILED }));
      const outcome = attemptPayment(ctx, inv, at, { offSession: false, paymentMethod: pmId, authenticated: true });
      hooks.flush();
      if (outcome.kind !== "succeeded") return sendHtml(res, 402, invoicePage(ctx, inv, { error: declineMessage(outcome) }));
      return seeOther(res, `${here}?paid=1`);
    }
    if (req.method === "GET") {
      const paid = new URL(req.url ?? "/", "http://x").searchParams.has("paid");
      return sendHtml(res, 200, invoicePage(ctx, inv, paid && inv.status === "paid" ? { notice: "Thanks, this invoice is paid." } : {}));
    }
    const form = await readForm(req);
    if (inv.status !== "open") return seeOther(res, here);
    try {
      const pm = newCard(form, at, null);
      if (pm.behavior.kind === "decline") throw new FormError(pm.behavior.message, 402);
      attachTo(pm, customer, at, false);
      const outcome = attemptPayment(ctx, inv, at, { offSession: false, paymentMethod: pm.id });
      hooks.flush();
      if (outcome.kind === "requires_action") {
        invoicePending.set(inv.id, pm.id);
        return seeOther(res, `${here}/3ds`);
      }
      if (outcome.kind === "declined") throw new FormError(outcome.message, 402);
      return seeOther(res, `${here}?paid=1`);
    } catch (error) {
      hooks.flush();
      if (!(error instanceof FormError)) throw error;
      return sendHtml(res, error.status, invoicePage(ctx, inv, { error: error.message }));
    }
  };

  const pdfRoute = async (res: ServerResponse, id: string) => {
    const inv = store.invoices.find(id);
    if (!inv || inv.status === "draft") return sendHtml(res, 404, messagePage("Not found", "This invoice link is not valid."));
    const bytes = await renderInvoicePdf(ctx, inv);
    res.writeHead(200, {
      "Content-Type": "application/pdf",
      "Content-Length": bytes.length,
      "Content-Disposition": `inline; filename="Invoice-${inv.number ?? inv.id}.pdf"`,
    });
    res.end(Buffer.from(bytes));
  };

  return {
    /** Answers a hosted page; false when the path is not one. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      const method = req.method ?? "GET";
      if (method !== "GET" && method !== "POST") return false;
      const match = (prefix: string) => {
        const m = new RegExp(`^${prefix}/([^/]+)(/3ds)?$`).exec(path);
        return m ? { id: decodeURIComponent(m[1] ?? ""), challenge: !!m[2] } : undefined;
      };
      const pdf = new RegExp(`^${INVOICE_PDF_PATH}/([^/]+)/pdf$`).exec(path);
      if (pdf && method === "GET") {
        hooks.runDue();
        await pdfRoute(res, decodeURIComponent(pdf[1] ?? ""));
        return true;
      }
      for (const [prefix, route] of [
        [CHECKOUT_PATH, checkoutRoute],
        [PORTAL_PATH, portalRoute],
        [INVOICE_PAGE_PATH, invoiceRoute],
      ] as const) {
        const m = match(prefix);
        if (!m) continue;
        hooks.runDue();
        await route(req, res, m.id, m.challenge);
        hooks.flush();
        return true;
      }
      return false;
    },
  };
}
