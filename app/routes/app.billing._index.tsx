import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  ChoiceList,
  DataTable,
  Divider,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Modal,
  Page,
  ProgressBar,
  Text,
  TextField,
  useBreakpoints,
} from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { taxIdLabel } from "../billing/billing-details";
import { canCancel } from "../billing/ledger";
import type { LimitBanner, Meter } from "../billing/limits";
import {
  billingAction,
  billingReturnUrl,
  confirmShopifyReturn,
  loadBillingPage,
  type BillingActionResult,
  type BillingForm,
  type ShopifyCancel,
} from "../billing/page.server";
import type { ShopifyBilling } from "../billing/shopify-rail.server";
import { CATALOGUE, PLAN_IDS, overageApplies, planFor, planRank, type DisplayPrice, type Interval, type PlanId } from "../billing/plans";
import { ChartFigure, ChartPanel } from "../components/Chart";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import { downloadFile } from "../dashboard/download";
import { requireShop } from "../dashboard/shop.server";
import { authenticate } from "../shopify.server";
import { readForm } from "../api/params";

/**
 * `/app/billing`: the merchant's plan, usage against the plan's limits, the plan picker with its pricing calculator,
 * where the charges are, and cancelling (with a step that offers the smaller plan first). On the Shopify rail,
 * choosing a plan leaves the iframe for Shopify's approval page, which comes back here with `?charge_id=`.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin } = await authenticate.admin(request);
  const shop = await requireShop(request);
  const chargeId = new URL(request.url).searchParams.get("charge_id");
  const returned = chargeId ? await confirmShopifyReturn(admin, shop, chargeId) : null;
  const page = await loadBillingPage(shop);
  return { ...page, now: new Date().toISOString(), returned: returned && returned.outcome !== "ignored" ? returned : null };
};

type ActionData = BillingActionResult & { intent: string };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionData> => {
  const { admin, billing, redirect } = await authenticate.admin(request);
  const shop = await requireShop(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  // The library types `replacementBehavior` as its enum, whose values are the strings the billing domain passes.
  const rail: ShopifyBilling & ShopifyCancel = {
    request: (options) => billing.request(options as Parameters<typeof billing.request>[0]),
    cancel: (options) => billing.cancel(options),
  };
  // Choosing a plan on the Shopify rail throws the redirect to Shopify's approval page (out of the iframe).
  const result = await billingAction({ shop, admin, billing: rail, returnUrl: billingReturnUrl(shop) }, form);
  // The Stripe rail: Stripe's hosted Checkout or portal, in the top window (they cannot be framed).
  if (result.ok && result.message === "redirect") throw redirect(result.redirectTo, { target: "_top" });
  return { intent: String(form.get("intent") ?? ""), ...result };
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Errors = Partial<Record<string, string>>;
type CancelReason = Extract<BillingForm, { intent: "cancel" }>["reason"];

const NS = "billing";
const PATH = "/app/billing";
const DAY_MS = 86_400_000;
const CHART_HEIGHT = 240;
const RUNS_HEIGHT = 110;
const AXIS_WIDTH = 44;
/** Polaris palette colours with enough contrast on white. */
const COLOURS = { variants: "#005bd3", orders: "#cccccc", forecastRuns: "#b44d00" } as const;
const REASONS = [
  "too_expensive",
  "missing_feature",
  "not_accurate",
  "switching",
  "closing_store",
  "other",
] as const satisfies readonly CancelReason[];

// ---------------------------------------------------------------------------------------------------------
// Money and dates

/** USD cents as charged ("$79.00", "79,00 $US"), and a display price in the shop's currency. */
function useMoney() {
  const format = useFormat();
  return useMemo(() => {
    const formats = new Map<string, Intl.NumberFormat>();
    const money = (amount: number, currency: string, digits?: number) => {
      const key = `${currency}:${digits ?? ""}`;
      let f = formats.get(key);
      if (!f) {
        f = new Intl.NumberFormat(format.settings.locale, {
          style: "currency",
          currency,
          ...(digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
        });
        formats.set(key, f);
      }
      return f.format(amount);
    };
    return {
      usd: (cents: number) => money(cents / 100, "USD"),
      /** Whole dollars when the amount has no cents ("$79"), for the plan cards' headline prices. */
      usdShort: (cents: number) => money(cents / 100, "USD", cents % 100 === 0 ? 0 : 2),
      display: (price: DisplayPrice) => money(price.amountMinor / 10 ** price.fractionDigits, price.currency),
    };
  }, [format.settings.locale]);
}

/** An instant as a date in the shop's time zone: 3 Jan 2027. */
function useDate() {
  const format = useFormat();
  return useMemo(() => {
    const f = new Intl.DateTimeFormat(format.settings.locale, { dateStyle: "medium", timeZone: format.settings.timeZone ?? "UTC" });
    return (iso: string) => f.format(new Date(iso));
  }, [format.settings.locale, format.settings.timeZone]);
}

/** "≈ £60.04" beside a USD price, when the shop's currency is another one. */
function Approx({ price }: { price: DisplayPrice | null | undefined }) {
  const { t } = useTranslation(NS);
  const money = useMoney();
  if (!price?.approximate) return null;
  return (
    <Text as="span" tone="subdued">
      {t("approx", { price: money.display(price) })}
    </Text>
  );
}

// ---------------------------------------------------------------------------------------------------------
// The page

export default function BillingPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation(NS);
  const shopify = useAppBridge();
  const choose = useFetcher<typeof action>({ key: "billing-choose" });
  const cancel = useFetcher<typeof action>({ key: "billing-cancel" });
  const [cancelOpen, setCancelOpen] = useState(false);
  const picker = useRef<HTMLDivElement>(null);

  // Back from Shopify's approval page: say what happened once, then drop charge_id from the address, so that a
  // later reload of the data does not record (and announce) the return again.
  const [returned, setReturned] = useState(data.returned);
  const [searchParams, setSearchParams] = useSearchParams();
  useEffect(() => {
    if (!searchParams.has("charge_id")) return;
    const next = new URLSearchParams(searchParams);
    next.delete("charge_id");
    setSearchParams(next, { replace: true, preventScrollReset: true });
    // Once, on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const returnedText = returned ? returnMessage(t, returned) : null;
  useEffect(() => {
    if (returnedText) shopify.toast.show(returnedText.text, { isError: returnedText.tone === "warning" });
    // Once, on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The answers of the two forms: a toast for what worked, the errors beside their fields or at the top.
  useEffect(() => {
    if (choose.state !== "idle" || !choose.data) return;
    if (choose.data.ok && choose.data.message !== "redirect" && choose.data.message !== "cancelled")
      shopify.toast.show(t(`toast.${choose.data.message}`));
  }, [choose.data, choose.state, shopify, t]);
  useEffect(() => {
    if (cancel.state !== "idle" || !cancel.data) return;
    if (cancel.data.ok) {
      setCancelOpen(false);
      setReturned(null);
      shopify.toast.show(t("toast.cancelled"));
    }
  }, [cancel.data, cancel.state, shopify, t]);
  const chooseErrors: Errors = choose.data && !choose.data.ok ? choose.data.errors : {};
  const cancelErrors: Errors = cancel.data && !cancel.data.ok ? cancel.data.errors : {};
  const formError = chooseErrors.form ?? chooseErrors.plan ?? chooseErrors.interval ?? (cancelOpen ? undefined : cancelErrors.form);

  const submitChoice = useCallback(
    (plan: PlanId, interval: Interval, coupon: string) => choose.submit({ intent: "choose", plan, interval, coupon }, { method: "post" }),
    // The fetcher's submit is stable for the fetcher's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  const showPlans = () => picker.current?.scrollIntoView({ behavior: "smooth", block: "start" });

  // Set once the page is interactive: a click before hydration would do nothing.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);

  return (
    <Page title={t("title")} subtitle={t("subtitle")}>
      <span hidden data-testid="billing-interactive" data-interactive={interactive ? "yes" : "no"} />
      <Layout>
        {returnedText ? (
          <Layout.Section>
            <div data-testid="billing-returned">
              <Banner tone={returnedText.tone} title={returnedText.text} onDismiss={() => setReturned(null)} />
            </div>
          </Layout.Section>
        ) : null}
        {formError ? (
          <Layout.Section>
            <div data-testid="billing-form-error">
              <Banner tone="critical" title={t(`errors.form.${formError}`, { defaultValue: t("errors.form.invalid") })} />
            </div>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <CurrentPlanCard data={data} onCancel={() => setCancelOpen(true)} onShowPlans={showPlans} />
        </Layout.Section>
        <Layout.Section>
          <UsageCard data={data} onShowPlans={showPlans} />
        </Layout.Section>
        <Layout.Section>
          <div ref={picker} style={{ scrollMarginTop: "1rem" }}>
            <PlanPicker
              data={data}
              errors={chooseErrors}
              submitting={choose.state !== "idle" ? (choose.formData?.get("plan")?.toString() ?? null) : null}
              onChoose={submitChoice}
            />
          </div>
        </Layout.Section>
        <Layout.Section>
          <InvoicesCard data={data} />
        </Layout.Section>
        <Layout.Section>
          <BillingDetailsCard data={data} />
        </Layout.Section>
      </Layout>
      <CancelModal
        data={data}
        open={cancelOpen}
        onClose={() => setCancelOpen(false)}
        fetcher={cancel}
        errors={cancelErrors}
        switching={choose.state !== "idle"}
        onSwitch={(plan, interval) => submitChoice(plan, interval, "")}
      />
    </Page>
  );
}

type T = ReturnType<typeof useTranslation>["t"];

function returnMessage(t: T, returned: NonNullable<Data["returned"]>): { text: string; tone: "success" | "info" | "warning" } {
  // Shopify could not be asked what the merchant decided: its webhook brings the plan in a little later.
  if (returned.outcome === "pending") return { text: t("returned.pending"), tone: "info" };
  const plan = returned.plan ? t(`plans.${returned.plan}`) : "";
  switch (returned.status) {
    case "ACTIVE":
      return { text: t("returned.approved", { plan }), tone: "success" };
    case "ACCEPTED":
    case "PENDING":
      // An approved downgrade waits for the end of the billing cycle.
      return { text: t("returned.scheduled", { plan }), tone: "info" };
    case "DECLINED":
    case "EXPIRED":
      return { text: t("returned.declined"), tone: "warning" };
    case "FROZEN":
    case "CANCELLED":
      return { text: t("returned.unchanged"), tone: "info" };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Current plan

type StatusKey =
  "trial" | "active" | "pending" | "past_due" | "frozen" | "read_only" | "paused" | "cancelled" | "expired" | "trial_over" | "none";

const STATUS_TONE: Record<StatusKey, "info" | "success" | "attention" | "warning" | "critical" | undefined> = {
  trial: "info",
  active: "success",
  pending: "attention",
  past_due: "critical",
  frozen: "critical",
  read_only: "critical",
  paused: "attention",
  cancelled: undefined,
  expired: "warning",
  trial_over: "warning",
  none: undefined,
};

function statusKey(data: Data): StatusKey {
  const state = data.state;
  if (!state) return "none";
  switch (state.status) {
    case "trialing":
      return state.subscriptionId ? "active" : "trial";
    case "expired":
      return data.access.reason === "trial_over" ? "trial_over" : "expired";
    default:
      return state.status;
  }
}

/** Whole days from `now` to `iso`, rounded up (the trial's "days left"). */
function daysUntil(iso: string, now: string): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - Date.parse(now)) / DAY_MS));
}

function CurrentPlanCard({ data, onCancel, onShowPlans }: { data: Data; onCancel: () => void; onShowPlans: () => void }) {
  const { t } = useTranslation(NS);
  const money = useMoney();
  const date = useDate();
  const state = data.state;
  const key = statusKey(data);
  const plan = state?.subscriptionId && state.plan ? state.plan : null;
  const interval = plan ? state?.interval : null;
  // Fluxor's own trial (no plan chosen yet), or the trial days a chosen plan carries.
  const trialEnds = state?.trialEndsAt && Date.parse(state.trialEndsAt) > Date.parse(data.now) ? state.trialEndsAt : null;
  const daysLeft = trialEnds ? daysUntil(trialEnds, data.now) : 0;
  const cancellable = canCancel(state);
  // A subscription that ended keeps its plan on show (what the data was made with), not a price that no longer runs.
  const ended = key === "cancelled" || key === "expired" || key === "trial_over";

  return (
    <Card>
      <div data-testid="billing-current">
        <BlockStack gap="400">
          <InlineStack gap="200" align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {t("current.title")}
            </Text>
            <InlineStack gap="200" blockAlign="center">
              <span data-testid="billing-status">
                <Badge tone={STATUS_TONE[key]}>{t(`status.${key}`)}</Badge>
              </span>
              {trialEnds && (key === "trial" || key === "active") ? (
                <Text as="span" fontWeight="medium">
                  <span data-testid="billing-days-left">{t("daysLeft", { count: daysLeft })}</span>
                </Text>
              ) : null}
            </InlineStack>
          </InlineStack>

          <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
            <Fact label={t("current.plan")} testId="billing-plan">
              {plan
                ? t(`plans.${plan}`)
                : key === "trial"
                  ? t("current.trialPlan", { plan: t(`plans.${CATALOGUE.trial.plan}`) })
                  : t("current.none")}
            </Fact>
            <Fact label={t("current.interval")}>{interval ? t(`intervals.${interval}`) : t("none")}</Fact>
            <Fact label={t("current.price")} testId="billing-price">
              {plan && interval && !ended && state?.priceCents !== null && state?.priceCents !== undefined ? (
                <BlockStack gap="050">
                  <Text as="span">{t(`per.${interval}`, { price: money.usd(state.priceCents) })}</Text>
                  <Approx price={data.priceDisplay} />
                </BlockStack>
              ) : key === "trial" && trialEnds ? (
                t("current.freeUntil", { date: date(trialEnds) })
              ) : (
                t("none")
              )}
            </Fact>
            <Fact label={t("current.nextCharge")} testId="billing-next-charge">
              {data.nextCharge ? (
                <BlockStack gap="050">
                  <Text as="span">
                    {t("current.nextChargeValue", { amount: money.usd(data.nextCharge.amountCents), date: date(data.nextCharge.at) })}
                  </Text>
                  <Approx price={data.nextCharge.display} />
                </BlockStack>
              ) : state?.cancelAtPeriodEnd && state.currentPeriodEnd ? (
                t("current.endsOn", { date: date(state.currentPeriodEnd) })
              ) : (
                t("none")
              )}
            </Fact>
          </InlineGrid>

          <StatusDetail data={data} statusKey={key} trialEnds={trialEnds} daysLeft={daysLeft} />

          {state?.pendingDowngrade ? (
            <div data-testid="billing-pending-change">
              <Banner tone="info">
                {t("current.pendingChange", {
                  plan: t(`plans.${state.pendingDowngrade.plan}`),
                  interval: t(`intervals.${state.pendingDowngrade.interval}`).toLowerCase(),
                  date: date(state.pendingDowngrade.effectiveAt),
                })}
              </Banner>
            </div>
          ) : null}
          {state && state.usageCents > 0 ? (
            <Text as="p" tone="subdued">
              {t("current.usageCharges", { amount: money.usd(state.usageCents) })}
            </Text>
          ) : null}
          {data.testCharges ? (
            <div data-testid="billing-test-charges">
              <Banner tone="warning">{t("current.testCharges")}</Banner>
            </div>
          ) : null}
          <Text as="p" tone="subdued">
            {t(data.rail === "shopify" ? "current.chargedShopify" : "current.chargedStripe")}
          </Text>

          <InlineStack gap="300" align="end">
            {cancellable ? (
              <Button variant="plain" tone="critical" onClick={onCancel} id="billing-cancel">
                {t("current.cancel")}
              </Button>
            ) : null}
            <Button onClick={onShowPlans}>{plan ? t("current.changePlan") : t("current.seePlans")}</Button>
          </InlineStack>
        </BlockStack>
      </div>
    </Card>
  );
}

function StatusDetail({
  data,
  statusKey: key,
  trialEnds,
  daysLeft,
}: {
  data: Data;
  statusKey: StatusKey;
  trialEnds: string | null;
  daysLeft: number;
}) {
  const { t } = useTranslation(NS);
  const date = useDate();
  const state = data.state;
  let text: string | null = null;
  switch (key) {
    case "trial":
      text = trialEnds
        ? t("statusDetail.trial", { count: daysLeft, date: date(trialEnds), plan: t(`plans.${CATALOGUE.trial.plan}`) })
        : null;
      break;
    case "active":
      text = trialEnds && data.nextCharge ? t("statusDetail.activeTrial", { count: daysLeft, date: date(data.nextCharge.at) }) : null;
      break;
    case "pending":
      text = t("statusDetail.pending");
      break;
    case "past_due":
    case "frozen":
      text = state?.graceEndsAt ? t(`statusDetail.${key}`, { date: date(state.graceEndsAt) }) : null;
      break;
    case "read_only":
      text = state?.graceEndsAt ? t("statusDetail.read_only", { date: date(state.graceEndsAt) }) : null;
      break;
    case "paused":
    case "cancelled":
    case "expired":
    case "trial_over":
      text = t(`statusDetail.${key}`);
      break;
    case "none":
      break;
  }
  if (!text) return null;
  const tone =
    key === "past_due" || key === "frozen" || key === "read_only" ? "critical" : key === "trial" || key === "active" ? "info" : "warning";
  return (
    <div data-testid="billing-status-detail">
      <Banner tone={tone}>
        <Text as="p">{text}</Text>
      </Banner>
    </div>
  );
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <Text as="span" fontWeight="semibold">
        <span data-testid={testId}>{children}</span>
      </Text>
    </BlockStack>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Usage

function UsageCard({ data, onShowPlans }: { data: Data; onShowPlans: () => void }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);
  const limits = data.limits;

  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      await downloadFile(`${PATH}.csv`, "fluxor-usage.csv");
    } catch (error) {
      console.error(error);
      setExportError(true);
    } finally {
      setExporting(false);
    }
  };

  return (
    <Card>
      <div data-testid="billing-usage">
        <BlockStack gap="400">
          <InlineStack gap="200" align="space-between" blockAlign="center">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("usage.title")}
              </Text>
              <Text as="p" tone="subdued">
                {limits ? t("usage.help", { plan: t(`plans.${limits.plan}`) }) : t("usage.noPlan")}
              </Text>
            </BlockStack>
            <Button onClick={() => void exportCsv()} loading={exporting} id="export-usage">
              {t("usage.export")}
            </Button>
          </InlineStack>
          {exportError ? (
            <Banner tone="critical" onDismiss={() => setExportError(false)}>
              {t("usage.exportFailed")}
            </Banner>
          ) : null}
          {limits?.banner ? <LimitNotice data={data} banner={limits.banner} onShowPlans={onShowPlans} /> : null}
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <UsageMeter
              id="variants"
              label={t("usage.variants")}
              used={data.usage.variants}
              meter={limits?.variants ?? null}
              status={limits ? meterStatus(limits.variants) : "ok"}
            />
            <UsageMeter
              id="locations"
              label={t("usage.locations")}
              used={data.usage.locations}
              meter={limits?.locations ?? null}
              status={limits ? meterStatus(limits.locations) : "ok"}
            />
          </InlineGrid>
          <Text as="p" tone="subdued">
            {t("usage.today", {
              orders: t("counts.orders", { count: data.usage.orders, formatted: format.integer(data.usage.orders) }),
              runs: t("counts.runs", { count: data.usage.forecastRuns, formatted: format.integer(data.usage.forecastRuns) }),
            })}
          </Text>
          <Divider />
          <UsageHistory data={data} />
        </BlockStack>
      </div>
    </Card>
  );
}

function meterStatus(m: Meter): "ok" | "near" | "overage" | "over" {
  if (m.used > m.allowed) return "over";
  if (m.used > m.included) return "overage";
  return m.used * 100 >= CATALOGUE.warnAtPercent * m.included ? "near" : "ok";
}

function UsageMeter({
  id,
  label,
  used,
  meter,
  status,
}: {
  id: string;
  label: string;
  used: number;
  meter: Meter | null;
  status: "ok" | "near" | "overage" | "over";
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const labelId = `meter-${id}-label`;
  return (
    <BlockStack gap="200">
      <InlineStack gap="200" align="space-between" blockAlign="baseline">
        <Text as="span" fontWeight="semibold" id={labelId}>
          {label}
        </Text>
        <Text as="span" tone={status === "over" ? "critical" : undefined}>
          <span data-testid={`meter-${id}`}>
            {meter
              ? t("usage.ofLimit", {
                  used: format.integer(used),
                  included: format.integer(meter.included),
                  percent: format.percent(meter.percent / 100, 0),
                })
              : format.integer(used)}
          </span>
        </Text>
      </InlineStack>
      {meter ? (
        <ProgressBar
          progress={Math.min(100, (used * 100) / meter.included)}
          size="small"
          tone={status === "over" || status === "overage" ? "critical" : status === "near" ? "highlight" : "primary"}
          ariaLabelledBy={labelId}
          animated={false}
        />
      ) : null}
    </BlockStack>
  );
}

function LimitNotice({ data, banner, onShowPlans }: { data: Data; banner: LimitBanner; onShowPlans: () => void }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const money = useMoney();
  const limits = data.limits!;
  const offer = data.plans.find((p) => p.id === limits.plan);
  const which = banner.includes("locations") ? limits.locations : limits.variants;
  const block = offer?.overage?.blockVariants ?? 1000;
  const values = {
    plan: t(`plans.${limits.plan}`),
    used: format.integer(which.used),
    included: format.integer(which.included),
    allowed: format.integer(which.allowed),
    skipped: format.integer(Math.max(0, which.used - which.allowed)),
    percent: format.percent(which.percent / 100, 0),
    count: limits.overageBlocks,
    block: format.integer(block),
    amount: money.usd(limits.overageBlocks * (offer?.overage?.blockPriceCents ?? 0)),
    cap: money.usd(offer?.overage?.capCents ?? 0),
  };
  // The catalogue's keys are "billing.limits.*": the namespace, then the key.
  const key = banner.replace(/^billing\./, `${NS}:`);
  const tone = banner.startsWith("billing.limits.over_") ? "critical" : banner === "billing.limits.overage" ? "info" : "warning";
  return (
    <div data-testid="billing-limit-banner" data-banner={banner}>
      <Banner tone={tone} title={t(`${key}.title`, values)} action={{ content: t("usage.seePlans"), onAction: onShowPlans }}>
        <Text as="p">{t(`${key}.body`, values)}</Text>
      </Banner>
    </div>
  );
}

type HistoryRow = Data["history"][number] & { partial: boolean };

const legendText = (value: string) => <span style={{ color: "#303030" }}>{value}</span>;
/** Tooltip lines in the text colour: the series' own colours (the orders' light grey) are too pale to read. */
const TOOLTIP_ITEM = { color: "#303030" } as const;

function UsageHistory({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { smDown } = useBreakpoints();
  const [showTable, setShowTable] = useState(false);
  // The metered days, then today so far (metered tomorrow).
  const rows: HistoryRow[] = useMemo(
    () => [
      ...data.history.filter((row) => row.day < data.today).map((row) => ({ ...row, partial: false })),
      { ...data.usage, day: data.today, partial: true },
    ],
    [data.history, data.today, data.usage],
  );
  const dayTick = useCallback((day: string) => format.dayShort(day), [format]);
  const countTick = useCallback((value: number) => format.integer(value), [format]);
  const tooltipValue = useCallback((value: unknown) => (typeof value === "number" ? format.integer(value) : String(value)), [format]);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const orders = rows.reduce((sum, row) => sum + row.orders, 0);
  const runs = rows.reduce((sum, row) => sum + row.forecastRuns, 0);
  const summary = t("history.summary", {
    from: format.day(first.day),
    firstVariants: format.integer(first.variants),
    lastVariants: format.integer(last.variants),
    orders: t("counts.orders", { count: orders, formatted: format.integer(orders) }),
    runs: t("counts.runs", { count: runs, formatted: format.integer(runs) }),
  });
  const headings = [t("history.day"), t("usage.variants"), t("usage.locations"), t("history.orders"), t("history.forecastRuns")];
  const tableRows = [...rows]
    .reverse()
    .map((row) => [
      row.partial ? t("history.todaySoFar", { day: format.day(row.day) }) : format.day(row.day),
      format.integer(row.variants),
      format.integer(row.locations),
      format.integer(row.orders),
      format.integer(row.forecastRuns),
    ]);

  return (
    <BlockStack gap="300">
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm">
          {t("history.title")}
        </Text>
        <Text as="p" tone="subdued">
          <span data-testid="billing-history-summary">{rows.length > 1 ? summary : t("history.empty")}</span>
        </Text>
      </BlockStack>
      {rows.length > 1 ? (
        <ChartFigure label={t("history.label")} testId="billing-history-chart" height={CHART_HEIGHT + RUNS_HEIGHT} skeletonLines={8}>
          {() => (
            <div>
              {/* Variants (left axis) against the day's orders (right axis)… */}
              <ChartPanel height={CHART_HEIGHT}>
                <ComposedChart data={rows} margin={{ top: 8, right: 0, bottom: 0, left: 0 }} syncId="billing-history">
                  <CartesianGrid stroke="#ebebeb" vertical={false} />
                  <XAxis dataKey="day" tickFormatter={dayTick} minTickGap={24} tick={{ fontSize: 12 }} />
                  <YAxis yAxisId="variants" allowDecimals={false} tickFormatter={countTick} width={AXIS_WIDTH} tick={{ fontSize: 12 }} />
                  <YAxis
                    yAxisId="orders"
                    orientation="right"
                    allowDecimals={false}
                    tickFormatter={countTick}
                    width={AXIS_WIDTH}
                    tick={{ fontSize: 12 }}
                  />
                  <Tooltip labelFormatter={(day) => format.day(String(day))} formatter={tooltipValue} itemStyle={TOOLTIP_ITEM} />
                  <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
                  <Bar
                    yAxisId="orders"
                    dataKey="orders"
                    name={t("history.orders")}
                    fill={COLOURS.orders}
                    isAnimationActive={false}
                    maxBarSize={16}
                  />
                  <Line
                    yAxisId="variants"
                    dataKey="variants"
                    name={t("usage.variants")}
                    stroke={COLOURS.variants}
                    strokeWidth={2}
                    dot={!smDown && rows.length <= 31}
                    isAnimationActive={false}
                  />
                </ComposedChart>
              </ChartPanel>
              {/* …and the forecast runs, a few a day, on their own scale below. */}
              <ChartPanel height={RUNS_HEIGHT}>
                <BarChart data={rows} margin={{ top: 8, right: AXIS_WIDTH, bottom: 0, left: 0 }} syncId="billing-history">
                  <CartesianGrid stroke="#ebebeb" vertical={false} />
                  <XAxis dataKey="day" hide />
                  <YAxis allowDecimals={false} tickFormatter={countTick} width={AXIS_WIDTH} tick={{ fontSize: 12 }} />
                  <Tooltip labelFormatter={(day) => format.day(String(day))} formatter={tooltipValue} itemStyle={TOOLTIP_ITEM} />
                  <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
                  <Bar
                    dataKey="forecastRuns"
                    name={t("history.forecastRuns")}
                    fill={COLOURS.forecastRuns}
                    isAnimationActive={false}
                    maxBarSize={16}
                  />
                </BarChart>
              </ChartPanel>
            </div>
          )}
        </ChartFigure>
      ) : null}
      <div>
        <Button
          variant="plain"
          disclosure={showTable ? "up" : "down"}
          onClick={() => setShowTable((open) => !open)}
          ariaExpanded={showTable}
          ariaControls="billing-history-table"
        >
          {showTable ? t("history.hideTable") : t("history.showTable")}
        </Button>
      </div>
      {showTable ? (
        <div id="billing-history-table" data-testid="billing-history-table">
          {smDown ? (
            <BlockStack gap="300">
              {tableRows.map((row, index) => (
                <BlockStack gap="100" key={row[0]}>
                  {index > 0 ? <Divider /> : null}
                  <Text as="h4" variant="headingSm">
                    {row[0]}
                  </Text>
                  <InlineGrid columns={2} gap="100">
                    {row.slice(1).map((cell, column) => (
                      <Text as="p" key={column}>
                        <Text as="span" tone="subdued">
                          {headings[column + 1]}
                        </Text>{" "}
                        <Text as="span" fontWeight="medium">
                          {cell}
                        </Text>
                      </Text>
                    ))}
                  </InlineGrid>
                </BlockStack>
              ))}
            </BlockStack>
          ) : (
            <DataTable columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]} headings={headings} rows={tableRows} />
          )}
        </div>
      ) : null}
    </BlockStack>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Plans and the pricing calculator

/** A count typed by the merchant ("5000", "5 000", "5,000"); null when it is not a whole number. */
function parseCount(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d[\d\s,.\u00a0\u202f']{0,14}$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, "");
  return digits.length > 0 && digits.length <= 9 ? Number(digits) : null;
}

function PlanPicker({
  data,
  errors,
  submitting,
  onChoose,
}: {
  data: Data;
  errors: Errors;
  submitting: string | null;
  onChoose: (plan: PlanId, interval: Interval, coupon: string) => void;
}) {
  const { t } = useTranslation(NS);
  const money = useMoney();
  const date = useDate();
  const state = data.state;
  const live = Boolean(state?.subscriptionId) && (state?.status === "active" || state?.status === "trialing");
  const [interval, setBillingInterval] = useState<Interval>(live && state?.interval ? state.interval : "monthly");
  const [variants, setVariants] = useState(String(data.usage.variants));
  const [locations, setLocations] = useState(String(data.usage.locations));
  const [coupon, setCoupon] = useState("");
  const variantCount = parseCount(variants);
  const locationCount = parseCount(locations);
  const quote = variantCount !== null && locationCount !== null ? planFor(variantCount, locationCount) : undefined;
  const saving = data.plans.find((p) => p.id === "pro")!;
  const savingMonths = Math.round(12 - saving.priceCents.annual / saving.priceCents.monthly);
  const isCurrent = (plan: PlanId) => live && state?.plan === plan && state.interval === interval;
  const couponError = errors.coupon ? t(`errors.coupon.${errors.coupon}`, { defaultValue: t("errors.coupon.invalid") }) : undefined;

  return (
    <Card>
      <div data-testid="billing-plans">
        <BlockStack gap="500">
          <InlineStack gap="300" align="space-between" blockAlign="center">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("picker.title")}
              </Text>
              <Text as="p" tone="subdued">
                {data.rail === "stripe"
                  ? data.currency !== "USD"
                    ? t("picker.helpStripeConverted", { currency: data.currency })
                    : t("picker.helpStripe")
                  : data.currency !== "USD"
                    ? t("picker.helpConverted", { currency: data.currency })
                    : t("picker.help")}
              </Text>
            </BlockStack>
            <div role="group" aria-label={t("picker.interval")} data-testid="billing-interval">
              <ButtonGroup variant="segmented">
                {(["monthly", "annual"] as const).map((value) => (
                  <Button key={value} pressed={interval === value} onClick={() => setBillingInterval(value)} id={`interval-${value}`}>
                    {value === "annual" ? t("picker.annualToggle", { count: savingMonths }) : t("intervals.monthly")}
                  </Button>
                ))}
              </ButtonGroup>
            </div>
          </InlineStack>

          {data.trial && !live ? (
            <Text as="p">
              <span data-testid="billing-trial-carry">
                {t("picker.trialCarries", { count: data.trial.daysLeft, date: date(data.trial.endsAt) })}
              </span>
            </Text>
          ) : null}

          {/* The pricing calculator: the cheapest plan whose limits fit the numbers typed (planFor, in the browser). */}
          <Box background="bg-surface-secondary" padding="400" borderRadius="200">
            <div data-testid="billing-calculator">
              <BlockStack gap="300">
                <BlockStack gap="100">
                  <Text as="h3" variant="headingSm">
                    {t("calculator.title")}
                  </Text>
                  <Text as="p" tone="subdued">
                    {t("calculator.help")}
                  </Text>
                </BlockStack>
                <InlineGrid columns={{ xs: 1, sm: 2 }} gap="300">
                  <TextField
                    id="calc-variants"
                    label={t("calculator.variants")}
                    value={variants}
                    onChange={setVariants}
                    inputMode="numeric"
                    autoComplete="off"
                    error={variantCount === null ? t("calculator.invalid") : undefined}
                  />
                  <TextField
                    id="calc-locations"
                    label={t("calculator.locations")}
                    value={locations}
                    onChange={setLocations}
                    inputMode="numeric"
                    autoComplete="off"
                    error={locationCount === null ? t("calculator.invalid") : undefined}
                  />
                </InlineGrid>
                <div data-testid="billing-calculator-result" aria-live="polite">
                  {quote === undefined ? null : quote === null ? (
                    <Text as="p">{t("calculator.tooBig", { plan: t("plans.enterprise") })}</Text>
                  ) : (
                    <InlineStack gap="300" align="space-between" blockAlign="center">
                      <BlockStack gap="050">
                        <Text as="p" variant="headingMd">
                          <span data-testid="billing-calculator-plan">{t(`plans.${quote.plan}`)}</span>
                          {" · "}
                          {interval === "annual"
                            ? t("per.annual", { price: money.usd(quote.annualCents) })
                            : t("per.monthly", { price: money.usd(quote.monthlyCents) })}
                        </Text>
                        <Text as="p" tone="subdued">
                          {interval === "annual"
                            ? t("calculator.annualDetail", {
                                perMonth: money.usd(quote.annualPerMonthCents),
                                saving: money.usd(quote.annualSavingsCents),
                              })
                            : t("calculator.monthlyDetail", {
                                annual: money.usd(quote.annualCents),
                                saving: money.usd(quote.annualSavingsCents),
                              })}
                        </Text>
                        <Approx price={data.plans.find((p) => p.id === quote.plan)?.display[interval]} />
                      </BlockStack>
                      {isCurrent(quote.plan) ? (
                        <Badge tone="success">{t("picker.current")}</Badge>
                      ) : (
                        <Button
                          variant="primary"
                          onClick={() => onChoose(quote.plan, interval, coupon)}
                          loading={submitting === quote.plan}
                          disabled={submitting !== null}
                          id="calculator-choose"
                        >
                          {t("picker.choose", { plan: t(`plans.${quote.plan}`) })}
                        </Button>
                      )}
                    </InlineStack>
                  )}
                </div>
              </BlockStack>
            </div>
          </Box>

          <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
            {data.plans.map((offer) => (
              <PlanCard
                key={offer.id}
                offer={offer}
                interval={interval}
                rail={data.rail}
                recommended={data.recommended?.plan === offer.id}
                fits={quote?.plan === offer.id}
                current={isCurrent(offer.id)}
                submitting={submitting}
                onChoose={() => onChoose(offer.id, interval, coupon)}
              />
            ))}
          </InlineGrid>

          <Box maxWidth="24rem">
            <TextField
              id="coupon"
              label={t("picker.coupon")}
              helpText={t(data.rail === "stripe" ? "picker.couponHelpStripe" : "picker.couponHelp")}
              value={coupon}
              onChange={setCoupon}
              autoComplete="off"
              maxLength={32}
              error={couponError}
            />
          </Box>
        </BlockStack>
      </div>
    </Card>
  );
}

function PlanCard({
  offer,
  interval,
  rail,
  recommended,
  fits,
  current,
  submitting,
  onChoose,
}: {
  offer: Data["plans"][number];
  interval: Interval;
  rail: Data["rail"];
  recommended: boolean;
  fits: boolean;
  current: boolean;
  submitting: string | null;
  onChoose: () => void;
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const money = useMoney();
  const name = t(`plans.${offer.id}`);
  const price = offer.priceCents[interval];
  const perMonth = Math.round(offer.priceCents.annual / 12);
  const saving = offer.priceCents.monthly * 12 - offer.priceCents.annual;
  const f = offer.features;
  const features = [
    t("features.variants", { count: offer.limits.variants, formatted: format.integer(offer.limits.variants) }),
    t("features.locations", { count: offer.limits.locations, formatted: format.integer(offer.limits.locations) }),
    f.alertFrequencies.includes("immediate") ? t("features.alertsImmediate") : t("features.alertsDigest"),
    f.alertTypes.includes("dead_stock") ? t("features.allAlertTypes") : t("features.noDeadStock"),
    t("features.recipients", { count: f.extraRecipients }),
    ...(f.apiAccess ? [t("features.api")] : []),
    ...(f.csvExport ? [t("features.csv")] : []),
  ];
  // Usage charges exist on the Shopify rail's monthly plans only (decision 0044): a direct contract's price is fixed.
  const overage =
    overageApplies(rail, interval) && offer.overage
      ? t("features.overage", {
          price: money.usd(offer.overage.blockPriceCents),
          block: format.integer(offer.overage.blockVariants),
          cap: money.usd(offer.overage.capCents),
        })
      : t(rail === "stripe" ? "features.noOverageContract" : "features.noOverage");
  return (
    <Box
      borderWidth={recommended || fits ? "050" : "025"}
      borderColor={recommended || fits ? "border-emphasis" : "border"}
      borderRadius="300"
      padding="400"
      background="bg-surface"
    >
      <div data-testid={`plan-${offer.id}`} style={{ height: "100%" }}>
        <BlockStack gap="300">
          <InlineStack gap="200" blockAlign="center" wrap>
            <Text as="h3" variant="headingMd">
              {name}
            </Text>
            {recommended ? <Badge tone="info">{t("picker.recommended")}</Badge> : null}
            {fits && !recommended ? <Badge tone="info">{t("picker.fits")}</Badge> : null}
            {current ? <Badge tone="success">{t("picker.current")}</Badge> : null}
          </InlineStack>
          <BlockStack gap="050">
            <InlineStack gap="100" blockAlign="baseline">
              <Text as="p" variant="heading2xl">
                <span data-testid={`plan-${offer.id}-price`}>{money.usdShort(price)}</span>
              </Text>
              <Text as="span" tone="subdued">
                {t(`perShort.${interval}`)}
              </Text>
            </InlineStack>
            {interval === "annual" ? (
              <Text as="p" tone="success">
                {t("picker.annualSaving", { perMonth: money.usd(perMonth), saving: money.usd(saving) })}
              </Text>
            ) : null}
            <Approx price={offer.display[interval]} />
          </BlockStack>
          <List type="bullet" gap="extraTight">
            {features.map((feature) => (
              <List.Item key={feature}>{feature}</List.Item>
            ))}
          </List>
          <Text as="p" tone="subdued" variant="bodySm">
            {overage}
          </Text>
          <Button
            variant={recommended || fits ? "primary" : "secondary"}
            fullWidth
            disabled={current || (submitting !== null && submitting !== offer.id)}
            loading={submitting === offer.id}
            onClick={onChoose}
            id={`choose-${offer.id}`}
            accessibilityLabel={
              current ? t("picker.current") : t("picker.chooseFor", { plan: name, interval: t(`intervals.${interval}`).toLowerCase() })
            }
          >
            {current ? t("picker.current") : t("picker.choose", { plan: name })}
          </Button>
        </BlockStack>
      </div>
    </Box>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Invoices

function InvoicesCard({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);

  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      await downloadFile(`${PATH}/invoices.csv`, "fluxor-invoices.csv");
    } catch (error) {
      console.error(error);
      setExportError(true);
    } finally {
      setExporting(false);
    }
  };

  return (
    <Card>
      <div data-testid="billing-invoices">
        <BlockStack gap="300">
          <InlineStack gap="200" align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {t("invoices.title")}
            </Text>
            <Button onClick={() => void exportCsv()} loading={exporting} id="export-invoices">
              {data.rail === "shopify" ? t("invoices.exportCharges") : t("invoices.export")}
            </Button>
          </InlineStack>
          {exportError ? (
            <Banner tone="critical" onDismiss={() => setExportError(false)}>
              {t("invoices.exportFailed")}
            </Banner>
          ) : null}
          {data.rail === "shopify" ? (
            <BlockStack gap="300">
              <Text as="p">{t("invoices.shopify")}</Text>
              <Text as="p" tone="subdued">
                {t("invoices.exportChargesHelp")}
              </Text>
              <div>
                <Button url={data.shopifyChargesUrl} target="_top" id="shopify-charges">
                  {t("invoices.shopifyLink")}
                </Button>
              </div>
            </BlockStack>
          ) : null}
          <StripeInvoices data={data} />
        </BlockStack>
      </div>
    </Card>
  );
}

/**
 * The Stripe rail's invoices (decision 0045), kept apart from the Shopify rail's link. The lead fills it in when the
 * read model (`loadBillingPage`) gains an `invoices` field; until then it renders nothing.
 */
function StripeInvoices({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const date = useDate();
  const money = useMoney();
  const shopify = useAppBridge();
  const fetcher = useFetcher<typeof action>({ key: "billing-stripe" });
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data?.ok || fetcher.data.message === "redirect") return;
    shopify.toast.show(t(`toast.${fetcher.data.message}`));
  }, [fetcher.data, fetcher.state, shopify, t]);
  if (data.invoices === null) return null;
  const state = data.state;
  const submit = (intent: "portal" | "pause" | "resume" | "withdraw_cancel") => fetcher.submit({ intent }, { method: "post" });
  const busy = fetcher.state !== "idle";
  const live = state?.provider === "stripe" && state.subscriptionId !== null;
  return (
    <BlockStack gap="300">
      <FetcherError fetcher={fetcher} testId="billing-stripe-error" />
      <Text as="p">{t("invoices.stripe")}</Text>
      {data.stripeUnavailable && <Banner tone="warning">{t("invoices.unavailable")}</Banner>}
      {data.invoices.length === 0 ? (
        <Text as="p" tone="subdued">
          {t("invoices.none")}
        </Text>
      ) : (
        <div data-testid="stripe-invoices">
          <DataTable
            columnContentTypes={["text", "text", "numeric", "text", "text"]}
            headings={[t("invoices.number"), t("invoices.date"), t("invoices.total"), t("invoices.status"), t("invoices.pdf")]}
            rows={data.invoices.map((inv) => [
              inv.number ?? inv.id,
              date(inv.createdAt),
              money.display({
                currency: inv.currency,
                amountMinor: inv.totalCents,
                fractionDigits: 2,
                approximate: false,
                ratesAsOf: null,
              }),
              t(`invoices.statuses.${inv.status}`, { defaultValue: inv.status }),
              inv.pdfUrl ? (
                <a href={inv.pdfUrl} target="_blank" rel="noreferrer">
                  {t("invoices.download")}
                </a>
              ) : (
                "—"
              ),
            ])}
          />
        </div>
      )}
      <InlineStack gap="200">
        <Button onClick={() => submit("portal")} loading={busy} disabled={!live}>
          {t("stripe.portal")}
        </Button>
        {live && state.status === "paused" && <Button onClick={() => submit("resume")}>{t("stripe.resume")}</Button>}
        {live && (state.status === "active" || state.status === "trialing") && !state.cancelAtPeriodEnd && (
          <Button onClick={() => submit("pause")}>{t("stripe.pause")}</Button>
        )}
        {live && state.cancelAtPeriodEnd && <Button onClick={() => submit("withdraw_cancel")}>{t("stripe.withdraw")}</Button>}
      </InlineStack>
    </BlockStack>
  );
}

/**
 * What a card's own form was refused with (Stripe not answering, no subscription), beside the button that sent it:
 * the page's banner at the top shows only the plan and cancel forms'.
 */
function FetcherError({ fetcher, testId }: { fetcher: ReturnType<typeof useFetcher<typeof action>>; testId: string }) {
  const { t } = useTranslation(NS);
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.errors.form : undefined;
  if (!error) return null;
  return (
    <div data-testid={testId}>
      <Banner tone="critical" title={t(`errors.form.${error}`, { defaultValue: t("errors.form.invalid") })} />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Billing details

/** Stripe's tax id verification → the badge's tone. */
const VERIFICATION_TONE: Record<string, "success" | "attention" | "warning" | undefined> = {
  verified: "success",
  pending: "attention",
  unverified: "warning",
};

/**
 * Who is billed, and where: on the Stripe rail what Stripe holds for the customer (changed in Stripe's billing
 * portal); on the Shopify rail a pointer to the store's own billing settings in Shopify, which Shopify bills with.
 */
function BillingDetailsCard({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const fetcher = useFetcher<typeof action>({ key: "billing-details" });
  const regions = useMemo(() => new Intl.DisplayNames([format.settings.locale], { type: "region" }), [format.settings.locale]);
  const view = data.billingDetails;
  const details = view?.status === "ok" ? view.details : null;
  const address = details?.address
    ? [
        details.address.line1,
        details.address.line2,
        [details.address.postalCode, details.address.city].filter(Boolean).join(" "),
        details.address.state,
        details.address.country ? (regions.of(details.address.country) ?? details.address.country) : null,
      ].filter((line): line is string => Boolean(line))
    : [];
  return (
    <Card>
      <div data-testid="billing-details">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("details.title")}
          </Text>
          {data.rail === "shopify" ? (
            <BlockStack gap="300">
              <Text as="p">{t("details.shopify")}</Text>
              <div>
                <Button url={data.shopifyChargesUrl} target="_top" id="shopify-billing-settings">
                  {t("details.shopifyLink")}
                </Button>
              </div>
            </BlockStack>
          ) : view?.status === "unavailable" ? (
            <div data-testid="billing-details-unavailable">
              <Banner tone="warning">{t("details.unavailable")}</Banner>
            </div>
          ) : !details ? (
            <Text as="p" tone="subdued">
              {t("details.none")}
            </Text>
          ) : (
            <BlockStack gap="400">
              <Text as="p" tone="subdued">
                {t("details.stripe")}
              </Text>
              <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
                <Fact label={t("details.email")} testId="billing-details-email">
                  {details.email ?? t("details.notSet")}
                </Fact>
                <Fact label={t("details.name")} testId="billing-details-name">
                  {details.name ?? t("details.notSet")}
                </Fact>
                <Fact label={t("details.address")} testId="billing-details-address">
                  {address.length > 0
                    ? address.map((line, i) => (
                        <span key={i} style={{ display: "block" }}>
                          {line}
                        </span>
                      ))
                    : t("details.notSet")}
                </Fact>
              </InlineGrid>
              <BlockStack gap="200">
                <Text as="h3" variant="headingSm">
                  {t("details.taxIds")}
                </Text>
                {details.taxIds.length === 0 ? (
                  <Text as="p" tone="subdued">
                    {t("details.noTaxId")}
                  </Text>
                ) : (
                  <div data-testid="billing-details-tax-ids">
                    <List type="bullet" gap="extraTight">
                      {details.taxIds.map((taxId) => (
                        <List.Item key={`${taxId.type}:${taxId.value}`}>
                          <InlineStack gap="200" blockAlign="center">
                            <Text as="span">
                              {taxIdLabel(taxId.type)} <span style={{ fontFamily: "monospace" }}>{taxId.value}</span>
                            </Text>
                            {taxId.verification ? (
                              <Badge tone={VERIFICATION_TONE[taxId.verification]}>
                                {t(`details.verification.${taxId.verification}`, { defaultValue: taxId.verification })}
                              </Badge>
                            ) : null}
                          </InlineStack>
                        </List.Item>
                      ))}
                    </List>
                  </div>
                )}
              </BlockStack>
              <FetcherError fetcher={fetcher} testId="billing-details-error" />
              <div>
                <Button
                  onClick={() => fetcher.submit({ intent: "portal" }, { method: "post" })}
                  loading={fetcher.state !== "idle"}
                  id="billing-details-edit"
                >
                  {t("details.edit")}
                </Button>
              </div>
            </BlockStack>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Cancelling, with the churn-prevention step

function CancelModal({
  data,
  open,
  onClose,
  fetcher,
  errors,
  switching,
  onSwitch,
}: {
  data: Data;
  open: boolean;
  onClose: () => void;
  fetcher: ReturnType<typeof useFetcher<typeof action>>;
  errors: Errors;
  switching: boolean;
  onSwitch: (plan: PlanId, interval: Interval) => void;
}) {
  const { t } = useTranslation(NS);
  const money = useMoney();
  const format = useFormat();
  const [step, setStep] = useState<"offer" | "reason">("offer");
  const [reason, setReason] = useState<CancelReason | null>(null);
  const [feedback, setFeedback] = useState("");
  useEffect(() => {
    if (open) {
      setStep("offer");
      setReason(null);
      setFeedback("");
    }
  }, [open]);
  const state = data.state;
  const current = state?.plan ?? null;
  const interval: Interval = state?.interval ?? "monthly";
  // The next plan down, when there is one.
  const smaller = current && planRank(current) > 0 ? PLAN_IDS[planRank(current) - 1]! : null;
  const smallerOffer = smaller ? data.plans.find((p) => p.id === smaller) : undefined;
  const cancelling = fetcher.state !== "idle";
  const submitCancel = () => {
    if (!reason) return;
    fetcher.submit({ intent: "cancel", reason, feedback }, { method: "post" });
  };
  const reasonError = errors.reason ? t("errors.reason") : undefined;

  const offerStep = (
    <BlockStack gap="300">
      {smaller && smallerOffer ? (
        <div data-testid="cancel-offer">
          <Banner tone="info" title={t("cancel.offerTitle", { plan: t(`plans.${smaller}`) })}>
            <Text as="p">
              {t("cancel.offer", {
                plan: t(`plans.${smaller}`),
                price: t(`per.${interval}`, { price: money.usd(smallerOffer.priceCents[interval]) }),
                variants: format.integer(smallerOffer.limits.variants),
                locations: format.integer(smallerOffer.limits.locations),
              })}
            </Text>
          </Banner>
        </div>
      ) : null}
      <Text as="p">
        <span data-testid="cancel-no-pause">{data.rail === "shopify" ? t("cancel.noPause") : t("cancel.dataStays")}</span>
      </Text>
      <List type="bullet">
        <List.Item>{t("cancel.keeps")}</List.Item>
        <List.Item>{t("cancel.stops")}</List.Item>
        <List.Item>{t("cancel.again")}</List.Item>
      </List>
    </BlockStack>
  );

  const reasonStep = (
    <BlockStack gap="400">
      <ChoiceList
        title={t("cancel.why")}
        choices={REASONS.map((value) => ({ value, label: t(`cancel.reasons.${value}`) }))}
        selected={reason ? [reason] : []}
        onChange={([value]) => setReason((REASONS as readonly string[]).includes(value ?? "") ? (value as CancelReason) : null)}
        error={reasonError}
      />
      <TextField
        id="cancel-feedback"
        label={t("cancel.feedback")}
        helpText={t("cancel.feedbackHelp")}
        value={feedback}
        onChange={setFeedback}
        multiline={3}
        maxLength={1000}
        showCharacterCount
        autoComplete="off"
      />
      {errors.form ? <Banner tone="critical" title={t(`errors.form.${errors.form}`, { defaultValue: t("errors.form.invalid") })} /> : null}
    </BlockStack>
  );

  return (
    <Modal
      open={open}
      onClose={onClose}
      title={step === "offer" ? t("cancel.title") : t("cancel.whyTitle")}
      primaryAction={
        step === "offer"
          ? smaller
            ? {
                content: t("cancel.switch", { plan: t(`plans.${smaller}`) }),
                onAction: () => onSwitch(smaller, interval),
                loading: switching,
                id: "cancel-switch",
              }
            : { content: t("cancel.continue"), onAction: () => setStep("reason"), id: "cancel-continue" }
          : {
              content: t("cancel.confirm"),
              destructive: true,
              onAction: submitCancel,
              loading: cancelling,
              disabled: reason === null,
              id: "cancel-confirm",
            }
      }
      secondaryActions={
        step === "offer"
          ? [
              ...(smaller ? [{ content: t("cancel.continue"), onAction: () => setStep("reason"), id: "cancel-continue" }] : []),
              { content: t("cancel.keep"), onAction: onClose, id: "cancel-keep" },
            ]
          : [{ content: t("cancel.back"), onAction: () => setStep("offer"), id: "cancel-back" }]
      }
    >
      <Modal.Section>
        <div data-testid={`cancel-step-${step}`}>{step === "offer" ? offerStep : reasonStep}</div>
      </Modal.Section>
    </Modal>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
