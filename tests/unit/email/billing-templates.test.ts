/**
 * The billing emails (issue 15): the dunning series (payment_failed on day 0, reminder on day 3, read_only on
 * day 7) on both rails, and the trial's end, in English, Spanish and French: subjects, the CTA (Shopify bill or
 * payment method), the facts in the shop's time zone and number format, no unsubscribe link, and a contract that
 * refuses what must not be sent.
 */
import { describe, expect, it } from "vitest";
import en from "../../../app/i18n/locales/email/en.json";
import { SUPPORTED_LOCALES, type Locale } from "../../../app/i18n/i18n";
import { emailFixture } from "../../../app/email/fixtures";
import { DUNNING_STEPS, EmailContent, type EmailContentInput, type RenderedEmail } from "../../../app/email/model";
import { renderEmail } from "../../../app/email/render.server";

/** Renders, with no-break spaces read as spaces for the assertions. */
async function render(input: EmailContentInput): Promise<RenderedEmail> {
  const email = await renderEmail(EmailContent.parse(input));
  const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");
  return { ...email, subject: spaces(email.subject), html: spaces(email.html), text: spaces(email.text) };
}

function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix, prefix.replace(/_(one|other)$/, "")];
  return Object.entries(value).flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key));
}
const KEYS = [...new Set(keyPaths(en))].filter((key) => key.includes("."));

const PORTAL = "https://fluxor.test/billing/stripe-portal?account=acc_1";
const SHOPIFY_BILL = "https://admin.shopify.com/store/northwind-outfitters/settings/billing";
const FLUXOR_BILLING = "https://admin.shopify.com/store/northwind-outfitters/apps/fluxor/app/billing";

type DunningInput = Extract<EmailContentInput, { template: "dunning" }>;

/** The fixture (failed 5 Mar 06:12 GMT, full access until 12 Mar 06:12 GMT) at a step, on a rail, in a language. */
function dunning(
  locale: Locale,
  step: DunningInput["step"],
  rail: DunningInput["rail"],
  overrides: Partial<DunningInput> = {},
): DunningInput {
  const generatedAt = { payment_failed: "2026-03-05T07:00:00Z", reminder: "2026-03-08T07:00:00Z", read_only: "2026-03-12T07:00:00Z" }[step];
  return {
    ...emailFixture("dunning", locale),
    step,
    rail,
    generatedAt,
    ...(rail === "stripe" ? { amountDue: { amount: 79, currency: "USD" }, actionUrl: PORTAL } : {}),
    ...overrides,
  };
}

function expectClean(email: RenderedEmail, what: string): void {
  for (const part of [email.subject, email.html, email.text]) {
    for (const key of KEYS) expect(part.includes(key), `${key} in ${what}`).toBe(false);
    expect(part, what).not.toContain("{{");
    expect(part, what).not.toMatch(/undefined|NaN|\[object Object\]/);
  }
}

describe("dunning emails", () => {
  describe.each(SUPPORTED_LOCALES)("in %s", (locale) => {
    it.each(DUNNING_STEPS.flatMap((step) => (["shopify", "stripe"] as const).map((rail) => [step, rail] as const)))(
      "%s on the %s rail: no raw key, the CTA, the billing page, no unsubscribe",
      async (step, rail) => {
        const content = dunning(locale, step, rail);
        const email = await render(content);
        expectClean(email, `${step} ${rail} ${locale}`);
        expect(email.templateVersion).toBe("dunning@1");
        expect(email.subject).toMatch(/^[^\n\r]{10,110}$/);
        expect(email.html).toMatch(new RegExp(`<html[^>]* lang="${locale}"`));
        expect(email.html).toContain("max-width:600px");
        expect(email.html).toContain("@media only screen and (max-width: 480px)");
        const action = rail === "shopify" ? SHOPIFY_BILL : PORTAL;
        expect(email.html).toContain(`href="${action}"`);
        expect(email.text).toContain(action);
        expect(email.html).toContain(`href="${FLUXOR_BILLING}"`);
        expect(email.text).toContain(FLUXOR_BILLING);
        // Transactional: no preference page, no unsubscribe link (a payment notice must reach the merchant).
        expect(email.html).not.toContain("/email/unsubscribe/");
        expect(email.text).not.toContain("/email/unsubscribe/");
        // The shop's branding: its sender name and accent colour.
        expect(email.html).toContain("Northwind Outfitters");
        expect(email.html).toContain("#1a6b3c");
      },
    );

    it("differs by language in every step", async () => {
      const english = await Promise.all(DUNNING_STEPS.map((step) => render(dunning("en", step, "shopify"))));
      const mine = await Promise.all(DUNNING_STEPS.map((step) => render(dunning(locale, step, "shopify"))));
      if (locale !== "en") mine.forEach((email, i) => expect(email.subject).not.toBe(english[i]!.subject));
      expect(new Set(mine.map((email) => email.subject)).size).toBe(3);
    });
  });

  it("day 0 says the payment failed, what happens next and by when, with the CTA of the rail", async () => {
    const shopify = await render(dunning("en", "payment_failed", "shopify"));
    expect(shopify.subject).toBe("Your Fluxor payment failed: full access until 12 Mar 2026");
    expect(shopify.text).toContain("Your payment for Fluxor failed\n==============================");
    expect(shopify.text).toContain("Shopify could not collect the payment of the Shopify bill of Northwind Outfitters");
    expect(shopify.text).toContain("You keep full access to Fluxor until 12 Mar 2026, 06:12 GMT.");
    expect(shopify.text).toContain("If the payment is still not settled by then, Fluxor becomes read-only");
    expect(shopify.text).toContain(`Review your Shopify bill: ${SHOPIFY_BILL}`);
    expect(shopify.html).toMatch(
      /<a href="https:\/\/admin\.shopify\.com\/store\/northwind-outfitters\/settings\/billing"[^>]*>[\s\S]*?Review your Shopify bill/,
    );
    expect(shopify.text).toContain("Payment failed on: 5 Mar 2026, 06:12 GMT");
    expect(shopify.text).toContain("Plan: Pro");
    // A Shopify freeze is about the whole Shopify bill: no amount of Fluxor's own.
    expect(shopify.text).not.toContain("Amount due");
    expect(shopify.text).toContain("the reminders stop as soon as the payment goes through");
    expect(shopify.text).toContain("Your Fluxor subscription");
    expect(shopify.text).toContain("Billing notices are sent even when alert emails are turned off.");

    const stripe = await render(dunning("en", "payment_failed", "stripe"));
    expect(stripe.text).toContain("We could not collect the payment of US$79.00 for the Fluxor subscription of Northwind Outfitters.");
    expect(stripe.text).toContain("Amount due: US$79.00");
    expect(stripe.text).toContain(`Update your payment method: ${PORTAL}`);
    expect(stripe.html).toContain(">Update your payment method<");
    expect(stripe.html).not.toContain("Review your Shopify bill");
  });

  it("day 3 counts the days left (rounded up, singular at the end)", async () => {
    const reminder = await render(dunning("en", "reminder", "shopify"));
    expect(reminder.subject).toBe("Reminder: 4 days left to settle your Fluxor payment");
    expect(reminder.text).toContain("4 days left: you keep full access to Fluxor until 12 Mar 2026, 06:12 GMT.");
    expect(reminder.text).toContain("The payment for the Fluxor subscription of Northwind Outfitters is still outstanding.");
    const late = await render(dunning("en", "reminder", "shopify", { generatedAt: "2026-03-11T10:00:00Z" }));
    expect(late.subject).toBe("Reminder: 1 day left to settle your Fluxor payment");
    expect(late.text).toContain("1 day left to settle your payment");
    const [es, fr] = await Promise.all([render(dunning("es", "reminder", "stripe")), render(dunning("fr", "reminder", "stripe"))]);
    expect(es.subject).toBe("Recordatorio: quedan 4 días para regularizar el pago de Fluxor");
    expect(fr.subject).toBe("Rappel : plus que 4 jours pour régulariser le paiement de Fluxor");
  });

  it("day 7 says Fluxor is read-only, nothing was deleted, what is paused and how to restore", async () => {
    const email = await render(dunning("en", "read_only", "stripe"));
    expect(email.subject).toBe("Fluxor is now read-only for Northwind Outfitters: nothing was deleted");
    expect(email.text).toContain(
      "was not settled within 7 days of the failure, so Fluxor has been read-only since 12 Mar 2026, 06:12 GMT.",
    );
    expect(email.text).toContain("Nothing was deleted: your products, sales history, forecasts and settings are all kept.");
    expect(email.text).toContain("- CSV exports");
    expect(email.text).toContain("Paused until the payment is settled");
    expect(email.text).toContain("- New forecasts (the nightly run skips your shop)");
    expect(email.text).toContain("- Alert emails and digests");
    expect(email.text).toContain("How to restore full access");
    expect(email.text).toContain("Update your payment method so that the outstanding payment goes through.");
    expect(email.text).toContain(`Update your payment method: ${PORTAL}`);
    expect(email.text).toContain("Read-only since: 12 Mar 2026, 06:12 GMT");
    expect(email.text).not.toContain("Full access until");
    expect(email.text).not.toContain("reminders stop");
    expect(email.html).toContain("<ul");

    const shopify = await render(dunning("fr", "read_only", "shopify"));
    expect(shopify.subject).toBe("Fluxor est désormais en lecture seule pour Northwind Outfitters : rien n'a été supprimé");
    expect(shopify.text).toContain("Rien n'a été supprimé");
    expect(shopify.text).toContain(`Consulter votre facture Shopify : ${SHOPIFY_BILL}`);
  });

  it("formats dates and amounts in the shop's language, country and time zone", async () => {
    const subjects = await Promise.all(SUPPORTED_LOCALES.map((locale) => render(dunning(locale, "payment_failed", "stripe"))));
    const [english, spanish, french] = subjects;
    expect(spanish!.subject).toBe("El pago de Fluxor ha fallado: acceso completo hasta el 12 mar 2026");
    expect(french!.subject).toBe("Le paiement de Fluxor a échoué : accès complet jusqu'au 12 mars 2026");
    expect(english!.text).toContain("Amount due: US$79.00");
    expect(spanish!.text).toContain("Importe pendiente: 79,00 US$");
    expect(french!.text).toContain("Montant dû : 79,00 $US");
    expect(spanish!.text).toContain(`Actualizar tu método de pago: ${PORTAL}`);
    expect(french!.text).toContain(`Mettre à jour votre moyen de paiement : ${PORTAL}`);

    // A shop in New York: the grace period ends at 03:00 UTC on 12 March, which is still 11 March there.
    const base = dunning("en", "payment_failed", "stripe", { amountDue: { amount: 1990, currency: "USD" } });
    const ny = await render({
      ...base,
      shop: { ...base.shop, timezone: "America/New_York", countryCode: "US", currency: "USD" },
      graceEndsAt: "2026-03-12T03:00:00Z",
    });
    expect(ny.subject).toBe("Your Fluxor payment failed: full access until Mar 11, 2026");
    expect(ny.text).toContain("Full access until: Mar 11, 2026, 11:00 PM EDT");
    expect(ny.text).toContain("Amount due: $1,990.00");
    const frenchNy = await render({ ...base, shop: { ...base.shop, locale: "fr", timezone: "America/New_York", countryCode: "CA" } });
    expect(frenchNy.text).toContain("Montant dû : 1 990,00 $ US");
  });

  it("escapes the shop's data in the HTML", async () => {
    const evil = `<script>alert("x")</script>`;
    const base = dunning("en", "payment_failed", "shopify");
    const email = await render({ ...base, shop: { ...base.shop, name: `Shop ${evil}` }, planName: `Pro ${evil}` });
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("Shop &lt;script&gt;");
  });
});

describe("trial ending email", () => {
  it.each(SUPPORTED_LOCALES)("renders in %s with the end date, the days left, the price and the CTA", async (locale) => {
    const email = await render(emailFixture("trial_ending", locale));
    expectClean(email, `trial_ending ${locale}`);
    expect(email.templateVersion).toBe("trial_ending@1");
    expect(email.html).toMatch(new RegExp(`<html[^>]* lang="${locale}"`));
    expect(email.html).toContain(`href="${FLUXOR_BILLING}"`);
    expect(email.text).toContain(FLUXOR_BILLING);
    expect(email.html).not.toContain("/email/unsubscribe/");
    const expected = {
      en: {
        subject: "Your Fluxor trial ends on 7 Mar 2026: choose a plan",
        lines: [
          "Your free trial ends in 3 days",
          "Plans start at US$29.00 a month.",
          `Choose a plan: ${FLUXOR_BILLING}`,
          "Trial ends: 7 Mar 2026, 09:30 GMT",
        ],
      },
      es: {
        subject: "Tu prueba de Fluxor termina el 7 mar 2026: elige un plan",
        lines: ["Tu prueba gratuita termina en 3 días", "Los planes empiezan en 29,00 US$ al mes.", `Elegir un plan: ${FLUXOR_BILLING}`],
      },
      fr: {
        subject: "Votre essai de Fluxor se termine le 7 mars 2026 : choisissez un forfait",
        lines: [
          "Votre essai gratuit se termine dans 3 jours",
          "Les forfaits commencent à 29,00 $US par mois.",
          `Choisir un forfait : ${FLUXOR_BILLING}`,
        ],
      },
    }[locale];
    expect(email.subject).toBe(expected.subject);
    for (const line of expected.lines) expect(email.text).toContain(line);
  });

  it("says what happens at the end, and that trial days are not charged", async () => {
    const email = await render({ ...emailFixture("trial_ending"), generatedAt: "2026-03-06T12:00:00Z", startingPrice: null });
    expect(email.text).toContain("Your free trial ends in 1 day");
    expect(email.text).toContain("The days left of your trial are not charged.");
    expect(email.text).toContain("Fluxor becomes read-only: nothing is deleted");
    expect(email.text).toContain("During the trial you have every feature of the Pro plan.");
    expect(email.text).not.toContain("Plans start at");
  });
});

describe("billing email contract", () => {
  const base = dunning("en", "payment_failed", "shopify");
  it.each([
    ["a grace period that ends before the failure", { ...base, graceEndsAt: "2026-03-01T00:00:00Z" }],
    ["an unknown step", { ...base, step: "day_14" }],
    ["an unknown rail", { ...base, rail: "paypal" }],
    ["a javascript: CTA", { ...base, actionUrl: "javascript:alert(1)" }],
    ["an amount in no currency", { ...base, amountDue: { amount: 79, currency: "dollars" } }],
    ["a negative amount", { ...base, amountDue: { amount: -1, currency: "USD" } }],
    ["a trial ending without a CTA", { ...emailFixture("trial_ending"), actionUrl: undefined }],
  ])("refuses %s", (_, input) => {
    expect(EmailContent.safeParse(input).success).toBe(false);
  });
});
