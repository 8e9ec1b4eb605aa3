import { readFileSync } from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import type opsEn from "../../app/i18n/locales/ops/en.json";
import { expectAccessible, screenshot } from "../support/browser";
import { DEMO_OPERATOR } from "../demo/stack";
import { demoQuery } from "../support/demo-db";
import { signedInContexts, signIn } from "../support/ops-sign-in";

// The operator console (/ops) of the demo (playwright.config.ts webServer: a fresh database), served by Fluxor
// directly (base port + 2), on the desktop project (a back-office tool for the team, not a page merchants open on a
// phone; the CI time it saved pays for the merchant pages' specs), in English, Spanish and French. Nothing is seeded:
// the pages show what the demo's ledger holds, and their empty states while it holds no billing events. In the whole
// suite's order the desktop billing specs run first and leave both demo shops in their trial with Pro chosen
// (hollow-oak-gifts on Shopify, north-fjord-supply on Stripe): the committed MRR in trial of each rail. The accounts
// page is searched by domain, and a move of hollow-oak-gifts to the other rail is reviewed but never confirmed: with
// its live subscription the review refuses and says why; run on its own (a trial without a plan) it shows the
// confirmation, which is cancelled. Either way the demo's rails stay as they were for the specs after this one.
// Screenshots go to docs/screenshots/ops-*.png when FLUXOR_UPDATE_SCREENSHOTS=1.

const PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);
const OPS = `http://127.0.0.1:${PORT + 2}/ops`;
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;
/** The demo shop whose move to the other rail is reviewed (tests/demo/stack.ts), and the Stripe rail's shop. */
const SHOPIFY_SHOP = "hollow-oak-gifts.myshopify.com";
const STRIPE_SHOP = "north-fjord-supply.myshopify.com";
/** The console's words in each language, read from its locale files (app/i18n/locales/ops). */
const OPS_TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/ops/${locale}.json`, "utf8")) as typeof opsEn]),
) as Record<Locale, typeof opsEn>;

/** Words the test looks for, per language (app/i18n/locales/ops). */
const TEXT: Record<
  Locale,
  {
    overview: string;
    committed: string;
    committedNone: string;
    committedSome: RegExp;
    revenue: string;
    dunningNav: string;
    dunning: string;
    webhooks: string;
    signIn: string;
    signOut: string;
  }
> = {
  en: {
    overview: "Overview",
    committed: "Committed MRR in trial",
    committedNone: "No trial has chosen a plan yet.",
    committedSome: /^\d+ accounts? chose a plan during (its|their) trial; (it|the first) starts paying on .+\.$/,
    revenue: "Revenue recognition",
    dunningNav: "Dunning",
    dunning: "Dunning queue",
    webhooks: "Billing webhooks",
    signIn: "Sign in",
    signOut: "Sign out",
  },
  es: {
    overview: "Resumen",
    committed: "MRR comprometido en prueba",
    committedNone: "Ninguna cuenta en prueba ha elegido un plan todavía.",
    committedSome: /^\d+ cuentas? eligi(ó|eron) un plan durante su prueba; (la primera )?empieza a pagar el .+\.$/,
    revenue: "Reconocimiento de ingresos",
    dunningNav: "Cobro de impagos",
    dunning: "Cola de cobro de impagos",
    webhooks: "Webhooks de facturación",
    signIn: "Iniciar sesión",
    signOut: "Cerrar sesión",
  },
  fr: {
    overview: "Vue d'ensemble",
    committed: "MRR engagé en essai",
    committedNone: "Aucun compte en essai n'a encore choisi d'offre.",
    committedSome: /^\d+ comptes? (a|ont) choisi une offre pendant (son|leur) essai ; (il|le premier) commence à payer le .+\.$/,
    revenue: "Comptabilisation du chiffre d'affaires",
    dunningNav: "Relances",
    dunning: "File des relances",
    webhooks: "Webhooks de facturation",
    signIn: "Se connecter",
    signOut: "Se déconnecter",
  },
};

test.describe.configure({ mode: "serial" });

async function count(text: string): Promise<number> {
  const [row] = await demoQuery<{ n: string }>(text);
  return Number(row!.n);
}

/** Accounts of a rail in their trial with a plan chosen (approved or paid for), from the stored projection. */
const committedTrials = (rail: "shopify" | "stripe") =>
  count(
    `SELECT count(*) AS n FROM "BillingAccount"
      WHERE rail = '${rail}' AND state->>'eventStatus' = 'active' AND (state->>'trialEndsAt')::timestamptz > now()
        AND state->>'cancelAtPeriodEnd' = 'false'`,
  );

/** `template` with its {{placeholders}} filled in. */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/{{\s*(\w+)\s*}}/g, (_, name: string) => String(values[name] ?? `{{${name}}}`));
}

/** `text` matched literally in a pattern. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A whole-text pattern for `template`: the placeholders in `values` as those patterns, the others as anything. */
function pattern(template: string, values: Record<string, string> = {}): RegExp {
  const parts = template.split(/({{\s*\w+\s*}})/);
  const body = parts
    .map((part) => {
      const name = /^{{\s*(\w+)\s*}}$/.exec(part)?.[1];
      if (name) return values[name] ?? ".+?";
      return literal(part);
    })
    .join("");
  return new RegExp(`^${body}$`);
}

/** A plan's name in the console's words ("Pro"). */
const planName = (words: typeof opsEn, plan: string): string => (words.plan as Record<string, string>)[plan] ?? plan;

/** "2 accounts", "1 cuenta": the accounts card's title (i18next's plural forms are Intl's). */
function accountCount(locale: Locale, n: number): string {
  const form = new Intl.PluralRules(locale).select(n) === "one" ? "count_one" : "count_other";
  return fill(OPS_TEXT[locale].accounts[form], { count: n });
}

/** The installed shops' billing accounts, as the accounts page lists them (by domain). */
const accounts = () =>
  demoQuery<{ id: string; domain: string; rail: "shopify" | "stripe" }>(
    `SELECT a.id, s.domain, a.rail FROM "BillingAccount" a JOIN "Shop" s ON s.id = a."shopId" ORDER BY s.domain`,
  );

/** A shop's account: its rail, its derived state, and how many rail changes its ledger holds. */
async function accountOf(domain: string) {
  const [row] = await demoQuery<{
    id: string;
    rail: "shopify" | "stripe";
    state: { subscriptionId?: string | null; eventStatus?: string; provider?: "shopify" | "stripe" | null; plan?: string | null };
    changes: number;
  }>(
    `SELECT a.id, a.rail, a.state,
            (SELECT count(*)::int FROM "BillingEvent" e WHERE e."accountId" = a.id AND e.type = 'rail_changed') AS changes
       FROM "BillingAccount" a JOIN "Shop" s ON s.id = a."shopId" WHERE s.domain = $1`,
    [domain],
  );
  if (!row) throw new Error(`${domain} has no billing account`);
  return row;
}

/** What the demo's ledger holds: the pages' empty states depend on it. */
async function ledger() {
  return {
    committed: { shopify: await committedTrials("shopify"), stripe: await committedTrials("stripe") },
    accounts: await count(`SELECT count(*) AS n FROM "BillingAccount"`),
    movements: await count(`SELECT count(*) AS n FROM "BillingEvent" WHERE type <> 'trial_started'`),
    invoices: await count(`SELECT count(*) AS n FROM "BillingEvent" WHERE type = 'invoice_paid'`),
    dunning: await count(`SELECT count(*) AS n FROM "BillingAccount" WHERE status IN ('past_due', 'frozen', 'read_only')`),
    providerEvents: await count(
      `SELECT count(*) AS n FROM "BillingEvent" WHERE provider <> 'fluxor' AND "recordedAt" > now() - interval '7 days'`,
    ),
  };
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  // Charts are drawn after hydration; let the layout settle before the full-page capture.
  await page.waitForLoadState("networkidle");
  await screenshot(page, testInfo, name);
}

test("the console: sign-in, guarded pages, every section in English, Spanish and French, the CSV export, sign-out", async ({
  browser,
  page,
}, testInfo) => {
  test.skip(testInfo.project.name === "mobile", "the operator console is a desktop back-office tool");
  test.setTimeout(300_000);
  const errors = watchErrors(page);

  // Without a session every page leads to the sign-in form, which no other site may frame or cache.
  const first = await page.goto(`${OPS}/revenue`);
  expect(first?.status()).toBe(200);
  await expect(page).toHaveURL(/\/ops\/login\?next=%2Fops%2Frevenue$/);
  const headers = first!.headers();
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["cache-control"]).toBe("no-store");
  await expect(page.getByRole("heading", { name: "Operator sign-in" })).toBeVisible();
  await expectAccessible(page, "body", "ops sign-in");
  await shoot(page, testInfo, "ops-login");

  // A wrong password: refused, said so, nothing signed in.
  await signIn(page, "not the demo password");
  await expect(page.getByTestId("ops-login-error")).toHaveText("The name or the password is wrong.");
  await expect(page).toHaveURL(/\/ops\/login/);

  await signIn(page);
  await expect(page).toHaveURL(`${OPS}/revenue`);
  await expect(page.getByTestId("ops-operator")).toHaveText(`Signed in as ${DEMO_OPERATOR.user}`);
  const cookie = (await page.context().cookies()).find((c) => c.name === "fluxor-ops");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 7 * 3600);

  const held = await ledger();
  // Each language in a browser of that language (Accept-Language), signed in with the same session.
  const signedInContext = await signedInContexts(browser, page, testInfo);
  for (const locale of LOCALES) {
    const context = await signedInContext(locale);
    const view = await context.newPage();
    const viewErrors = watchErrors(view);
    const text = TEXT[locale];

    await view.goto(OPS);
    await expect(view.getByRole("heading", { name: text.overview, level: 1 })).toBeVisible();
    await expect(view.getByRole("button", { name: text.signOut })).toBeVisible();
    await expect(view.getByRole("link", { name: text.overview })).toHaveAttribute("aria-current", "page");
    await expect(view.getByTestId("ops-mrr")).toHaveText(/\$|US\$|USD/);
    if (held.accounts === 0) await expect(view.getByTestId("ops-overview-empty")).toBeVisible();
    else if (held.movements === 0) await expect(view.getByTestId("ops-movements-none")).toBeVisible();
    else await expect(view.getByTestId("ops-movements-table")).toBeVisible();
    if (held.accounts === 0) await expect(view.getByTestId("ops-mrr")).toHaveText(/0[.,]00/);
    // Committed MRR in trial: the card, and the sentence on the trials with a plan chosen.
    await expect(view.getByRole("heading", { name: text.committed, level: 2 })).toBeVisible();
    await expect(view.getByTestId("ops-committed-mrr")).toHaveText(/\$|US\$|USD/);
    const committed = held.committed.shopify + held.committed.stripe;
    await expect(view.getByTestId("ops-committed-mrr-note")).toHaveText(committed === 0 ? text.committedNone : text.committedSome);
    if (committed === 0) await expect(view.getByTestId("ops-committed-mrr")).toHaveText(/0[.,]00/);
    await expectAccessible(view, "body", `ops overview (${locale})`);
    await shoot(view, testInfo, `ops-overview-${locale}`);
    if (held.committed.shopify > 0 && held.committed.stripe > 0) {
      // A trial with a plan on each rail: each rail's committed amount is not zero.
      for (const rail of ["Shopify", "Stripe"]) {
        const button = view.getByTestId("ops-rail").getByRole("button", { name: rail, exact: true });
        await button.click();
        await expect(button).toHaveAttribute("aria-pressed", "true");
        await expect(view.getByTestId("ops-committed-mrr")).toHaveText(/[1-9]/);
      }
    }

    await view.getByRole("link", { name: text.revenue }).click();
    await expect(view.getByRole("heading", { name: text.revenue, level: 1 })).toBeVisible();
    if (held.invoices === 0) await expect(view.getByTestId("ops-revenue-empty")).toBeVisible();
    else await expect(view.getByTestId("ops-revenue-table")).toBeVisible();
    await expectAccessible(view, "body", `ops revenue (${locale})`);
    if (locale === "en") await shoot(view, testInfo, "ops-revenue");

    await view.getByRole("link", { name: text.dunningNav, exact: true }).click();
    await expect(view.getByRole("heading", { name: text.dunning, level: 1 })).toBeVisible();
    if (held.dunning === 0) await expect(view.getByTestId("ops-dunning-empty")).toBeVisible();
    else await expect(view.getByTestId("ops-dunning-table")).toBeVisible();
    await expectAccessible(view, "body", `ops dunning (${locale})`);
    if (locale === "en") await shoot(view, testInfo, "ops-dunning");

    await view.getByRole("link", { name: text.webhooks }).click();
    await expect(view.getByRole("heading", { name: text.webhooks, level: 1 })).toBeVisible();
    await expect(view.getByTestId("ops-webhooks-table")).toBeVisible();
    if (held.providerEvents === 0) await expect(view.getByTestId("ops-webhooks-none")).toBeVisible();
    await expectAccessible(view, "body", `ops webhooks (${locale})`);
    if (locale === "en") await shoot(view, testInfo, "ops-webhooks");

    // Accounts: every installed shop's billing account with its rail, status and plan, and a move to the other rail.
    const words = OPS_TEXT[locale];
    const listed = await accounts();
    await view.getByRole("link", { name: words.nav.accounts, exact: true }).click();
    await expect(view).toHaveURL(`${OPS}/accounts`);
    await expect(view.getByRole("heading", { name: words.accounts.title, level: 1 })).toBeVisible();
    await expect(view.getByRole("link", { name: words.nav.accounts, exact: true })).toHaveAttribute("aria-current", "page");
    await expect(view.getByRole("heading", { name: accountCount(locale, listed.length), level: 2 })).toBeVisible();
    const table = view.getByTestId("ops-accounts-table");
    for (const account of listed) {
      await expect(table).toContainText(account.domain);
      const other = words.rail[account.rail === "stripe" ? "shopify" : "stripe"];
      const label = fill(words.accounts.moveShop, { shop: account.domain, rail: other });
      await expect(table.getByRole("link", { name: label })).toHaveText(fill(words.accounts.move, { rail: other }));
    }
    if (!testInfo.project.use.isMobile) await expect(table.locator("tbody tr")).toHaveCount(listed.length);
    await expectAccessible(view, "body", `ops accounts (${locale})`);
    if (locale === "en") await shoot(view, testInfo, "ops-accounts");

    // The search narrows the list down by domain: the Stripe rail's shop alone.
    const search = view.getByTestId("ops-accounts-search");
    await search.getByLabel(words.accounts.search).fill("north-fjord");
    await search.getByRole("button", { name: words.accounts.searchSubmit, exact: true }).click();
    await expect(view).toHaveURL(`${OPS}/accounts?q=north-fjord`);
    await expect(view.getByRole("heading", { name: accountCount(locale, 1), level: 2 })).toBeVisible();
    await expect(table).toContainText(STRIPE_SHOP);
    await expect(table).toContainText(words.rail.stripe);
    await expect(table).not.toContainText(SHOPIFY_SHOP);
    await expect(search.getByLabel(words.accounts.search)).toHaveValue("north-fjord");
    // A domain no shop has: the empty card, naming the search.
    await search.getByLabel(words.accounts.search).fill("no-such-shop");
    await search.getByRole("button", { name: words.accounts.searchSubmit, exact: true }).click();
    await expect(view.getByTestId("ops-accounts-empty")).toContainText(fill(words.accounts.empty.body, { query: "no-such-shop" }));
    await expect(table).toHaveCount(0);

    if (locale === "en") {
      // The move's review, never confirmed: hollow-oak-gifts to the other rail.
      const before = await accountOf(SHOPIFY_SHOP);
      const to = before.rail === "stripe" ? "shopify" : "stripe";
      await view.goto(`${OPS}/accounts`);
      await view.getByRole("link", { name: fill(words.accounts.moveShop, { shop: SHOPIFY_SHOP, rail: words.rail[to] }) }).click();
      await expect(view).toHaveURL(new RegExp(`/ops/accounts\\?q=&move=${before.id}$`));
      const review = view.getByTestId("ops-accounts-review");
      const state = before.state;
      const plan = literal(state.plan ? planName(words, state.plan) : words.plan.none);
      await expect(
        review.getByText(
          pattern(state.plan ? words.accounts.review.current : words.accounts.review.currentNoPlan, {
            rail: literal(words.rail[before.rail]),
            plan,
          }),
        ),
      ).toBeVisible();
      const live = Boolean(state.subscriptionId) && state.eventStatus !== "cancelled" && state.eventStatus !== "expired";
      if (live) {
        // A live subscription (the billing specs' Pro): refused, with the reason, and no form to confirm.
        await expect(review.getByRole("heading", { level: 2 })).toHaveText(
          fill(words.accounts.refused.title, { shop: SHOPIFY_SHOP, rail: words.rail[to] }),
        );
        const statuses = Object.values(words.accounts.live).map(literal).join("|");
        await expect(view.getByTestId("ops-accounts-refused")).toHaveText(
          pattern(words.accounts.refused.live_subscription, {
            provider: literal(words.rail[state.provider ?? before.rail]),
            status: `(${statuses})`,
            plan,
          }),
        );
        await expect(view.getByTestId("ops-accounts-confirm")).toHaveCount(0);
        await expectAccessible(view, "body", "ops accounts, a refused move");
        await shoot(view, testInfo, "ops-accounts-move");
        await review.getByRole("link", { name: words.accounts.review.back }).click();
      } else {
        // A trial without a plan (the spec on its own): what the move does, and the confirmation, not pressed.
        await expect(review.getByRole("heading", { level: 2 })).toHaveText(
          fill(words.accounts.review.title, { shop: SHOPIFY_SHOP, rail: words.rail[to] }),
        );
        const confirm = view.getByTestId("ops-accounts-confirm");
        await expect(confirm).toContainText(words.accounts.review.effect[to]);
        await expect(confirm).toContainText(words.accounts.review.trial);
        await expect(confirm).toContainText(words.accounts.review.audit);
        await expect(confirm.getByRole("button", { name: fill(words.accounts.review.confirm, { rail: words.rail[to] }) })).toBeVisible();
        await expect(view.getByTestId("ops-accounts-refused")).toHaveCount(0);
        await expectAccessible(view, "body", "ops accounts, a move's confirmation");
        await shoot(view, testInfo, "ops-accounts-move");
        await confirm.getByRole("link", { name: words.accounts.review.cancel }).click();
      }
      await expect(view).toHaveURL(`${OPS}/accounts?q=`);
      await expect(review).toHaveCount(0);
      // Nothing moved.
      const after = await accountOf(SHOPIFY_SHOP);
      expect({ rail: after.rail, changes: after.changes }).toEqual({ rail: before.rail, changes: before.changes });
    }
    expect(
      viewErrors.filter((error) => HYDRATION.test(error)),
      locale,
    ).toEqual([]);
    await context.close();
  }

  // The CSV export: the recognition table of the chosen period, one line per month.
  await page.goto(`${OPS}/revenue?months=24`);
  await expect(page.getByRole("button", { name: "24 months" })).toHaveAttribute("aria-pressed", "true");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^fluxor-revenue-recognition-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await (await download.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString("utf8").trim().split("\r\n");
  expect(lines[0]).toBe(
    "month,recognized_usd,deferred_usd,recognized_shopify_usd,deferred_shopify_usd,recognized_stripe_usd,deferred_stripe_usd",
  );
  expect(lines).toHaveLength(25);

  // Sign-out ends the session: the console is closed again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${OPS}/login`);
  await page.goto(OPS);
  await expect(page).toHaveURL(/\/ops\/login\?next=%2Fops$/);

  expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
});
