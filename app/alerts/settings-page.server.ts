/**
 * What the alert settings page (app/routes/app.alerts.tsx) does on the server: load the form with the shop's
 * choices and what its plan holds back, save it (and email each new address its confirmation link), preview an
 * email with the shop's live data, "send me a test", send a confirmation again, and the operator's view of the
 * sending domain.
 *
 * The preview and the test read the published forecast run, evaluate the form's rules on it (not yet saved:
 * what you see is what these rules would find today) and render through the same templates as the alerts.
 * Tests and confirmations go through the email log like every email: one per recipient and minute (the
 * idempotency key), and a rate limit per recipient whose key starts with the shop's, so the shop's erasure
 * removes it. In read-only mode (decision 0044) the page shows the settings but a save and a test are refused;
 * the preview (it sends nothing) and confirmations (an address's own consent, not an alert) stay.
 */
import { createHash } from "node:crypto";
import { audit } from "../auth/audit.server";
import { hit, type RateLimitRule } from "../auth/rate-limit.server";
import { shopAccess, shopEntitlements } from "../billing/limits.server";
import { inTransaction, pool } from "../db/pool.server";
import { EMAIL_FIXTURES } from "../email/fixtures";
import { queueMessage } from "../email/log.server";
import { EmailContent, type EmailContentInput } from "../email/model";
import { renderEmail } from "../email/render.server";
import { emailSettings, resend, type EmailSettings } from "../email/resend.server";
import { providerSlot } from "../email/send.server";
import { confirmLink } from "../email/signed-links.server";
import { listFilterOptions } from "../forecasts/read.server";
import { currentRun } from "../forecasts/store.server";
import { matchLocale } from "../i18n/i18n";
import { EMAIL_PRIORITY } from "../jobs/contracts/email";
import type { Shop } from "../shops/lookup.server";
import { sectionFor, type ProductAlertType } from "./content";
import { envelope } from "./envelope.server";
import { evaluate } from "./evaluate";
import { ALERT_TYPES, type SubjectFinding } from "./model";
import { planView } from "./plan";
import { parseAlertSettings, type AlertSettings } from "./rules";
import { loadSubjects } from "./run.server";
import { readAlertSettings, saveAlertSettings } from "./settings.server";
import { formErrors, formToSettings, settingsToForm, type AlertFormValues, type PreviewType } from "./settings-form";

/** One test email per recipient and minute; one confirmation email per address and minute. */
export const TEST_EMAIL_LIMIT: RateLimitRule = { limit: 1, windowSeconds: 60 };
export const CONFIRMATION_LIMIT: RateLimitRule = { limit: 1, windowSeconds: 60 };
/** A confirmation link is valid this long (app/email/signed-links.ts). */
const CONFIRM_TTL_MS = 7 * 86_400_000;
/** A test email shows this many live items of its sample section. */
const TEST_SAMPLE_ITEMS = 3;

export interface RecipientStatus {
  email: string;
  confirmed: boolean;
}

/** A version of the stored settings: the page's form starts afresh when it changes (after a save). */
function versionOf(settings: AlertSettings): string {
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
}

export async function loadAlertSettingsPage(shop: Shop) {
  const [settings, options, entitled, granted] = await Promise.all([
    readAlertSettings(shop.id),
    listFilterOptions(shop.id),
    shopEntitlements(pool(), shop.id),
    shopAccess(pool(), shop.id),
  ]);
  const shopEmail = shop.email?.trim().toLowerCase() || null;
  return {
    values: settingsToForm(settings),
    version: versionOf(settings),
    /** What the shop's plan includes and holds back of the stored settings (null: not limited). */
    plan: planView(settings, entitled, shopEmail),
    /** Why the settings cannot be saved nor a test sent now (read-only mode), or null. */
    readOnly: granted.capabilities.edit_settings ? null : granted.reason,
    /** Confirmation state of the stored extra addresses (the shop's own needs none). */
    recipients: settings.recipients.map((r): RecipientStatus => ({ email: r.email, confirmed: r.confirmed || r.email === shopEmail })),
    shop: {
      name: shop.name ?? shop.domain,
      email: shopEmail,
      /** null until the shop's details were read (digests use UTC until then). */
      timeZone: shop.detailsReady ? shop.timezone : null,
      /** The language the merchant uses Fluxor in: the emails' default. */
      adminLocale: matchLocale(shop.adminLocale) ?? null,
    },
    choices: {
      vendors: options.vendors.filter((vendor) => vendor !== ""),
      productTypes: options.productTypes.filter((type) => type !== ""),
      locations: options.locations,
    },
  };
}

export type FormResult<T> = ({ ok: true } & T) | { ok: false; errors: Record<string, string> };

function validate(values: AlertFormValues): FormResult<{ settings: AlertSettings }> {
  const parsed = parseAlertSettings(formToSettings(values));
  return parsed.success ? { ok: true, settings: parsed.data } : { ok: false, errors: formErrors(parsed.fieldErrors, values) };
}

/**
 * Saves the form (saveAlertSettings validates, keeps confirmation state and audits) and emails each new
 * address its confirmation link. Returns the addresses a confirmation was queued for (not one that had one
 * within the minute: removed and added again).
 */
export async function saveAlertSettingsForm(
  shop: Shop,
  values: AlertFormValues,
  now: Date = new Date(),
): Promise<FormResult<{ toConfirm: string[] }>> {
  const saved = await saveAlertSettings(shop.id, shop.domain, formToSettings(values));
  if (!saved.ok) {
    const refused = Object.keys(saved.planErrors).length > 0;
    return { ok: false, errors: refused ? saved.planErrors : formErrors(saved.fieldErrors, values) };
  }
  const toConfirm: string[] = [];
  for (const email of saved.toConfirm) if ((await queueConfirmation(shop, saved.settings, email, now)).ok) toConfirm.push(email);
  return { ok: true, toConfirm };
}

type Refusal = { ok: false; reason: "unknown_recipient" | "already_confirmed" | "rate_limited"; retryAfterSeconds?: number };

/** Logs and queues a `recipient_confirmation` email, unless one went to the address within the minute. */
async function queueConfirmation(shop: Shop, settings: AlertSettings, email: string, now: Date): Promise<{ ok: true } | Refusal> {
  const limit = await hit(`shop:${shop.domain}:email-confirm:${email}`, CONFIRMATION_LIMIT, now);
  if (!limit.allowed) return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };
  const { links: _links, ...common } = envelope(shop, settings, email, now);
  const content: EmailContentInput = {
    template: "recipient_confirmation",
    ...common,
    confirmUrl: confirmLink(shop.id, email),
    expiresAt: new Date(now.getTime() + CONFIRM_TTL_MS).toISOString(),
    requestedBy: common.shop.name,
  };
  await inTransaction((tx) =>
    queueMessage(tx, {
      shopId: shop.id,
      kind: "confirm",
      alertType: null,
      templateVersion: "recipient_confirmation@1",
      recipient: email,
      idempotencyKey: `confirm:${shop.id}:${email}:${minuteOf(now)}`,
      priority: EMAIL_PRIORITY.other,
      content,
    }),
  );
  return { ok: true };
}

function minuteOf(now: Date): number {
  return Math.floor(now.getTime() / 60_000);
}

/** "Resend confirmation" of a stored address that has not confirmed yet. */
export async function resendConfirmation(shop: Shop, email: string, now: Date = new Date()): Promise<{ ok: true } | Refusal> {
  const settings = await readAlertSettings(shop.id);
  const entry = settings.recipients.find((r) => r.email === email.trim().toLowerCase());
  if (!entry) return { ok: false, reason: "unknown_recipient" };
  if (entry.confirmed) return { ok: false, reason: "already_confirmed" };
  return queueConfirmation(shop, settings, entry.email, now);
}

// ---------------------------------------------------------------------------------------------------------
// Live data: the form's rules on the published run

type SectionInput = ReturnType<typeof sectionFor>;

const PRODUCT_TYPES = ALERT_TYPES.filter((type): type is ProductAlertType => type !== "forecast_failed");

async function liveFindings(shop: Shop, settings: AlertSettings): Promise<SubjectFinding[]> {
  const run = await currentRun(shop.id);
  if (!run) return [];
  const subjects = await loadSubjects(pool(), shop.id, run.runId, settings.rules);
  return evaluate(settings.rules, subjects, { shopId: shop.id, asOf: run.asOf, forecastFailure: null }).filter(
    (finding): finding is SubjectFinding => finding.family !== "forecast_failed",
  );
}

/** The sections the findings make, one per alert type in urgency order; `digestOnly`: only daily and weekly rules'. */
function sectionsOf(findings: readonly SubjectFinding[], settings: AlertSettings, digestOnly: boolean): SectionInput[] {
  const sections: SectionInput[] = [];
  for (const type of PRODUCT_TYPES) {
    const notes = findings
      .filter((f) => f.type === type && (!digestOnly || f.frequency !== "immediate"))
      .map((f) => ({ subject: f.subject, ruleId: f.ruleId }));
    if (notes.length > 0) sections.push(sectionFor(type, notes, settings.rules));
  }
  return sections;
}

/** A fixture's section without its pictures (the sample's image addresses are made up). */
function sampleSection<T extends SectionInput>(section: T): T {
  return { ...section, items: section.items.map((item) => ({ ...item, imageUrl: null })) };
}

function sampleSections(type: PreviewType): SectionInput[] {
  if (type === "digest") return EMAIL_FIXTURES.digest.sections.map(sampleSection);
  return [sampleSection(EMAIL_FIXTURES[type].section)];
}

/** Who the preview is addressed to: the shop's email, else a placeholder at the shop's domain. */
function previewRecipient(shop: Shop): string {
  return shop.email?.trim().toLowerCase() || `owner@${shop.domain}`;
}

export interface Preview {
  subject: string;
  html: string;
  /** Made of the shop's data (false: nothing matches today, so a sample is shown). */
  live: boolean;
}

/** The selected email as it would look with the form's (unsaved) rules, branding and language, on today's data. */
export async function previewEmail(
  shop: Shop,
  values: AlertFormValues,
  type: PreviewType,
  now: Date = new Date(),
): Promise<FormResult<Preview>> {
  const valid = validate(values);
  if (!valid.ok) return valid;
  const { settings } = valid;
  const findings = await liveFindings(shop, settings);
  const live =
    type === "digest" ? digestSections(findings, settings) : sectionsOf(findings, settings, false).filter((s) => s.alertType === type);
  const sections = live.length > 0 ? live : sampleSections(type);
  const common = { ...envelope(shop, settings, previewRecipient(shop), now), version: 1 as const };
  const input: EmailContentInput =
    type === "digest"
      ? { template: "digest", ...common, frequency: digestFrequency(findings), sections }
      : ({ template: type, ...common, section: sections[0] } as EmailContentInput);
  const rendered = await renderEmail(EmailContent.parse(input));
  return { ok: true, subject: rendered.subject, html: rendered.html, live: live.length > 0 };
}

/** A digest holds the daily and weekly rules' findings; when every rule is immediate, it shows them all. */
function digestSections(findings: readonly SubjectFinding[], settings: AlertSettings): SectionInput[] {
  const held = sectionsOf(findings, settings, true);
  return held.length > 0 ? held : sectionsOf(findings, settings, false);
}

function digestFrequency(findings: readonly SubjectFinding[]): "daily" | "weekly" {
  const held = findings.filter((f) => f.frequency !== "immediate");
  return held.length > 0 && held.every((f) => f.frequency === "weekly") ? "weekly" : "daily";
}

// ---------------------------------------------------------------------------------------------------------
// Send me a test

/** Where a test may go: the shop's email and the confirmed extra addresses. */
function testRecipients(shop: Shop, settings: AlertSettings): string[] {
  const own = shop.email?.trim().toLowerCase() || null;
  return [...new Set([...(own ? [own] : []), ...settings.recipients.filter((r) => r.confirmed).map((r) => r.email)])];
}

export type TestResult =
  | { ok: true; recipient: string }
  | { ok: false; reason: "invalid"; errors: Record<string, string> }
  | { ok: false; reason: "unknown_recipient" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; reason: "read_only" };

/**
 * Queues a `test` email to the shop's email or a confirmed recipient, with the form's branding and language and
 * a few live items of the most urgent alert type (none when nothing matches: a branding-only test). Refused in
 * read-only mode, which stops alert emails: a test is one, and would promise alerts that do not come.
 */
export async function sendTestEmail(shop: Shop, values: AlertFormValues, recipient: string, now: Date = new Date()): Promise<TestResult> {
  if (!(await shopAccess(pool(), shop.id, now)).capabilities.send_alerts) return { ok: false, reason: "read_only" };
  const valid = validate(values);
  if (!valid.ok) return { ok: false, reason: "invalid", errors: valid.errors };
  const stored = await readAlertSettings(shop.id);
  const to = recipient.trim().toLowerCase();
  if (!testRecipients(shop, stored).includes(to)) return { ok: false, reason: "unknown_recipient" };
  const limit = await hit(`shop:${shop.domain}:email-test:${to}`, TEST_EMAIL_LIMIT, now);
  if (!limit.allowed) {
    await audit({ event: "rate_limited", outcome: "failure", shopDomain: shop.domain, detail: { action: "email_test" } });
    return { ok: false, reason: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };
  }
  // The stored recipients, not the form's: only a confirmed address may receive mail.
  const settings: AlertSettings = { ...valid.settings, recipients: stored.recipients };
  const [first] = sectionsOf(await liveFindings(shop, settings), settings, false);
  const sample = first ? ({ ...first, items: first.items.slice(0, TEST_SAMPLE_ITEMS) } as SectionInput) : null;
  const content: EmailContentInput = { template: "test", ...envelope(shop, settings, to, now), sample };
  await inTransaction((tx) =>
    queueMessage(tx, {
      shopId: shop.id,
      kind: "test",
      alertType: null,
      templateVersion: "test@1",
      recipient: to,
      idempotencyKey: `test:${shop.id}:${to}:${minuteOf(now)}`,
      priority: EMAIL_PRIORITY.other,
      content,
    }),
  );
  return { ok: true, recipient: to };
}

// ---------------------------------------------------------------------------------------------------------
// Email delivery (the operator's view)

export type RecordStatus = "verified" | "pending" | "failed" | "temporary_failure" | "not_started";

export interface DnsRecord {
  record: "SPF" | "DKIM";
  type: string;
  name: string;
  value: string;
  status: RecordStatus;
}

export interface DeliveryStatus {
  /** RESEND_API_KEY is set. */
  configured: boolean;
  /** The From address (FLUXOR_EMAIL_FROM). */
  from: string | null;
  /** The sender's domain, and what Resend's domains API says about it. */
  domain: string | null;
  lookup: "ok" | "not_configured" | "not_found" | "error";
  domainStatus: string | null;
  records: DnsRecord[];
  /** Resend does not check DMARC: the record we recommend. */
  dmarc: { name: string; value: string } | null;
}

const DELIVERY_TTL_MS = 5 * 60_000;
const DELIVERY_ERROR_TTL_MS = 30_000;
const LOOKUP_TIMEOUT_MS = 5_000;
let deliveryCache: { key: string; until: number; value: Promise<DeliveryStatus> } | undefined;

/** The domain of "Name <user@domain>" or "user@domain". */
function senderDomain(from: string): string | null {
  const match = /@([^@>\s]+)>?\s*$/.exec(from.trim());
  return match?.[1]?.toLowerCase() ?? null;
}

/** The DMARC record we recommend; its name is relative to the domain, as Resend names the SPF and DKIM ones. */
function recommendedDmarc(domain: string): { name: string; value: string } {
  return { name: "_dmarc", value: `v=DMARC1; p=none; rua=mailto:dmarc@${domain}` };
}

async function lookupDomain(settings: EmailSettings, domain: string): Promise<Pick<DeliveryStatus, "lookup" | "domainStatus" | "records">> {
  const client = resend(settings);
  let id = settings.domainId;
  if (!id) {
    await providerSlot();
    const listed = await client.domains.list();
    if (listed.error || !listed.data) return { lookup: "error", domainStatus: null, records: [] };
    id = listed.data.data.find((d) => d.name.toLowerCase() === domain)?.id ?? null;
    if (!id) return { lookup: "not_found", domainStatus: null, records: [] };
  }
  await providerSlot();
  const found = await client.domains.get(id);
  if (found.error || !found.data)
    return { lookup: found.error?.statusCode === 404 ? "not_found" : "error", domainStatus: null, records: [] };
  const records = found.data.records.flatMap((r): DnsRecord[] =>
    r.record === "SPF" || r.record === "DKIM" ? [{ record: r.record, type: r.type, name: r.name, value: r.value, status: r.status }] : [],
  );
  return { lookup: "ok", domainStatus: found.data.status, records };
}

async function readDeliveryStatus(settings: EmailSettings | null): Promise<DeliveryStatus> {
  if (!settings)
    return { configured: false, from: null, domain: null, lookup: "not_configured", domainStatus: null, records: [], dmarc: null };
  const domain = senderDomain(settings.from);
  const base = { configured: true, from: settings.from, domain, dmarc: domain ? recommendedDmarc(domain) : null };
  if (!domain) return { ...base, lookup: "not_found", domainStatus: null, records: [] };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Pick<DeliveryStatus, "lookup" | "domainStatus" | "records">>((resolve) => {
    timer = setTimeout(() => resolve({ lookup: "error", domainStatus: null, records: [] }), LOOKUP_TIMEOUT_MS);
  });
  try {
    return { ...base, ...(await Promise.race([lookupDomain(settings, domain), timeout])) };
  } catch {
    return { ...base, lookup: "error", domainStatus: null, records: [] };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether sending is set up and the sending domain's SPF and DKIM status at Resend (its domains API), kept five
 * minutes (half a minute after a failed lookup): the page must not spend the sends' API rate on every visit.
 */
export function deliveryStatus(settings: EmailSettings | null = emailSettings(), now: number = Date.now()): Promise<DeliveryStatus> {
  const key = settings ? `${settings.apiKey}|${settings.from}|${settings.domainId ?? ""}` : "none";
  if (deliveryCache && deliveryCache.key === key && deliveryCache.until > now) return deliveryCache.value;
  const value = readDeliveryStatus(settings);
  deliveryCache = { key, until: now + DELIVERY_TTL_MS, value };
  void value.then((status) => {
    if (status.lookup === "error" && deliveryCache?.value === value) deliveryCache.until = now + DELIVERY_ERROR_TTL_MS;
  });
  return value;
}
