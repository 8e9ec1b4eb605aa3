import { defer, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Await, useFetcher, useLoaderData, type FetcherWithComponents, type ShouldRevalidateFunction } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  Checkbox,
  ChoiceList,
  Combobox,
  Divider,
  FormLayout,
  InlineStack,
  Layout,
  Listbox,
  Page,
  Select,
  SkeletonBodyText,
  SkeletonDisplayText,
  Tag,
  Text,
  TextField,
} from "@shopify/polaris";
import { Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from "react";
import { useTranslation } from "react-i18next";
import {
  addRecipientError,
  FORM_FIELD,
  isPreviewType,
  LOCALE_CHOICES,
  normaliseEmail,
  parseAlertForm,
  PREVIEW_TYPES,
  scopeSize,
  type AlertFormValues,
  type PreviewType,
  type RuleFormValues,
  type ScopeFormValues,
} from "../alerts/settings-form";
import {
  deliveryStatus,
  loadAlertSettingsPage,
  previewEmail,
  resendConfirmation,
  saveAlertSettingsForm,
  sendTestEmail,
  type DeliveryStatus,
  type RecordStatus,
} from "../alerts/settings-page.server";
import type { AlertPlanView } from "../alerts/plan";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import type { PlanId } from "../billing/plans";
import { ClientOnly } from "../components/ClientOnly";
import { ReadOnlyBanner, ReadOnlyRefused } from "../components/ReadOnly";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import { DEFAULT_ACCENT } from "../email/templates/palette";
import { requireShop } from "../dashboard/shop.server";
import { readForm } from "../api/params";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const page = await loadAlertSettingsPage(shop);
  // The sending domain's status comes from Resend: the page shows without waiting for it.
  return defer({ ...page, delivery: deliveryStatus() });
};

type ActionResult =
  | { intent: "save"; ok: true; toConfirm: string[] }
  | { intent: "save"; ok: false; errors: Record<string, string> }
  | { intent: "preview"; ok: true; type: PreviewType; subject: string; html: string; live: boolean }
  | { intent: "preview"; ok: false; errors: Record<string, string> }
  | { intent: "test"; ok: true; recipient: string }
  | {
      intent: "test";
      ok: false;
      reason: "invalid" | "unknown_recipient" | "rate_limited" | "read_only";
      retryAfterSeconds?: number;
      errors?: Record<string, string>;
    }
  | { intent: "resend"; ok: true; email: string }
  | {
      intent: "resend";
      ok: false;
      email: string;
      reason: "unknown_recipient" | "already_confirmed" | "rate_limited";
      retryAfterSeconds?: number;
    };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionResult> => {
  const shop = await requireShop(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const intent = form.get("intent");
  if (intent === "resend") {
    const email = String(form.get("email") ?? "");
    const sent = await resendConfirmation(shop, email);
    return sent.ok ? { intent, ok: true, email } : { intent, email, ...sent };
  }
  const values = parseAlertForm(form.get(FORM_FIELD));
  if (!values) throw new Response("Malformed form", { status: 400 });
  if (intent === "save") {
    const saved = await saveAlertSettingsForm(shop, values);
    return { intent, ...saved };
  }
  if (intent === "preview") {
    const type = form.get("type");
    if (!isPreviewType(type)) throw new Response("Unknown email type", { status: 400 });
    const preview = await previewEmail(shop, values, type);
    return preview.ok ? { intent, type, ...preview } : { intent, ...preview };
  }
  if (intent === "test") {
    const sent = await sendTestEmail(shop, values, String(form.get("recipient") ?? ""));
    return { intent, ...sent };
  }
  throw new Response("Unknown action", { status: 400 });
};

/** A preview, a test or a resent confirmation changes nothing the page shows: no reload of its data. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) => {
  const intent = formData?.get("intent");
  return intent === "preview" || intent === "test" || intent === "resend" ? false : defaultShouldRevalidate;
};

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type SaveFetcher = FetcherWithComponents<ActionResult>;
type Errors = Record<string, string>;

/** A toast once per answer of a fetcher. */
function useResultToast(
  data: ActionResult | undefined,
  state: string,
  message: (data: ActionResult) => { text: string; error: boolean } | null,
) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (state !== "idle" || !data) return;
    const toast = message(data);
    if (toast) shopify.toast.show(toast.text, { isError: toast.error });
    // Only a new answer shows a toast; the message function is rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, state, shopify]);
}

export default function AlertSettingsPage() {
  const { version } = useLoaderData<typeof loader>();
  const { t } = useTranslation("alerts");
  // The save's fetcher outlives the form, which starts afresh from the saved settings after a save.
  const save = useFetcher<typeof action>({ key: "alert-settings-save" });
  useResultToast(save.data, save.state, (data) => {
    if (data.intent !== "save" || !data.ok) return null;
    const text =
      data.toConfirm.length > 0 ? t("savedConfirm", { count: data.toConfirm.length, emails: data.toConfirm.join(", ") }) : t("saved");
    return { text, error: false };
  });
  return <AlertSettingsForm key={version} save={save} />;
}

function AlertSettingsForm({ save }: { save: SaveFetcher }) {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation("alerts");
  const [values, setValues] = useState<AlertFormValues>(data.values);
  const saving = save.state !== "idle";
  const errors: Errors = save.data?.intent === "save" && !save.data.ok ? save.data.errors : {};
  const submit = () => save.submit({ intent: "save", [FORM_FIELD]: JSON.stringify(values) }, { method: "post" });
  const update = useCallback((change: (current: AlertFormValues) => AlertFormValues) => setValues(change), []);
  const hasErrors = Object.keys(errors).length > 0;
  const readOnly = data.readOnly !== null;
  // A refused save is reported at the top of the page: bring it into view (the Save button may be far below).
  const banner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (save.state === "idle" && save.data?.intent === "save" && !save.data.ok) banner.current?.scrollIntoView({ block: "start" });
  }, [save.data, save.state]);
  // Set once the form is interactive: input typed before hydration would be replaced by the loader's values.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);

  return (
    <Page
      title={t("title")}
      subtitle={t("subtitle")}
      primaryAction={{ content: t("save"), onAction: submit, loading: saving, disabled: readOnly, id: "save-alerts-top" }}
    >
      <span hidden data-testid="alerts-interactive" data-interactive={interactive ? "yes" : "no"} />
      <Layout>
        {data.readOnly ? (
          <Layout.Section>
            <ReadOnlyBanner reason={data.readOnly} />
          </Layout.Section>
        ) : null}
        {hasErrors ? (
          <Layout.Section>
            <div data-testid="alerts-errors" ref={banner}>
              {errors.form === READ_ONLY_REFUSED ? (
                <ReadOnlyRefused />
              ) : (
                <Banner tone="critical" title={t("errorsBanner")}>
                  {errors.form ? <Text as="p">{t(errors.form)}</Text> : null}
                </Banner>
              )}
            </div>
          </Layout.Section>
        ) : null}
        {data.plan && (data.plan.held.rules.length > 0 || data.plan.held.recipients.length > 0) ? (
          <Layout.Section>
            <PlanHeldBanner plan={data.plan} rules={data.values.rules} />
          </Layout.Section>
        ) : null}
        <Layout.AnnotatedSection title={t("rules.title")} description={t("rules.description")}>
          <RulesCard values={values} update={update} errors={errors} data={data} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={t("schedule.title")} description={t("schedule.description")}>
          <ScheduleCard values={values} update={update} errors={errors} timeZone={data.shop.timeZone} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={t("recipients.title")} description={t("recipients.description")}>
          <RecipientsCard values={values} update={update} errors={errors} data={data} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={t("branding.title")} description={t("branding.description")}>
          <BrandingCard values={values} update={update} errors={errors} data={data} />
        </Layout.AnnotatedSection>
        <Layout.Section>
          <InlineStack align="end">
            <Button variant="primary" onClick={submit} loading={saving} disabled={readOnly} id="save-alerts">
              {t("save")}
            </Button>
          </InlineStack>
        </Layout.Section>
        <Layout.Section>
          <PreviewCard values={values} data={data} />
        </Layout.Section>
        <Layout.AnnotatedSection title={t("delivery.title")} description={t("delivery.description")}>
          {/* Rendered after hydration: a boundary still hydrating when the page's first fetch updates it would be thrown away. */}
          <ClientOnly fallback={<DeliverySkeleton />}>
            {() => (
              <Suspense fallback={<DeliverySkeleton />}>
                <Await resolve={data.delivery}>{(status) => <DeliveryCard status={status} />}</Await>
              </Suspense>
            )}
          </ClientOnly>
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}

interface SectionProps {
  values: AlertFormValues;
  update: (change: (current: AlertFormValues) => AlertFormValues) => void;
  errors: Errors;
  data: LoaderData;
}

/** The translated error of a form field, if any. */
function useFieldError(errors: Errors) {
  const { t } = useTranslation("alerts");
  return (field: string) => (errors[field] ? t(errors[field]) : undefined);
}

/** A plan's name in the merchant's language ("—" when no plan has what is asked). */
function usePlanName() {
  const { t } = useTranslation("billing");
  return (plan: PlanId | null) => (plan === null ? "—" : t(`plans.${plan}`));
}

/** A rule's name as the page shows it: its type's title, with its id when the shop has more than one of that type. */
function useRuleName(rules: readonly RuleFormValues[]) {
  const { t } = useTranslation("alerts");
  return (ruleId: string) => {
    const rule = rules.find((r) => r.id === ruleId);
    if (!rule) return ruleId;
    const title = t(`rules.types.${rule.type}.title`);
    return rules.filter((r) => r.type === rule.type).length > 1 ? `${title} (${rule.id})` : title;
  };
}

/** What the shop's plan holds back of the stored settings (after a downgrade): kept, not sent, with the way to get it. */
function PlanHeldBanner({ plan, rules }: { plan: AlertPlanView; rules: readonly RuleFormValues[] }) {
  const { t } = useTranslation("alerts");
  const planName = usePlanName();
  const ruleName = useRuleName(rules);
  const { rules: heldRules, recipients } = plan.held;
  return (
    <div data-testid="alerts-plan-held">
      <Banner
        tone="warning"
        title={t("plan.heldTitle", { plan: planName(plan.plan) })}
        action={{ content: t("plan.seePlans"), url: "/app/billing" }}
      >
        <BlockStack gap="200">
          <Text as="p">{t("plan.heldBody")}</Text>
          <ul style={{ margin: 0, paddingInlineStart: "1.25rem" }}>
            {heldRules.map((hold) => (
              <li key={hold.ruleId}>
                {hold.held === "type"
                  ? t("plan.heldType", { rule: ruleName(hold.ruleId), required: planName(hold.requiredPlan) })
                  : t("plan.heldFrequency", {
                      rule: ruleName(hold.ruleId),
                      deliveredAs: t(`rules.frequencies.${hold.deliveredAs}`),
                      frequency: t(`rules.frequencies.${hold.frequency}`),
                      required: planName(hold.requiredPlan),
                    })}
              </li>
            ))}
            {recipients.length > 0 ? (
              <li>{t("plan.heldRecipients", { emails: recipients.join(", "), count: plan.extraRecipients })}</li>
            ) : null}
          </ul>
        </BlockStack>
      </Banner>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Rules

function RulesCard({ values, update, errors, data }: SectionProps) {
  const error = useFieldError(errors);
  const countOfType = (type: string) => values.rules.filter((rule) => rule.type === type).length;
  const setRule = (index: number, rule: RuleFormValues) =>
    update((current) => ({ ...current, rules: current.rules.map((existing, i) => (i === index ? rule : existing)) }));
  return (
    <Card>
      <BlockStack gap="400">
        {error("rules") ? (
          <Text as="p" tone="critical">
            {error("rules")}
          </Text>
        ) : null}
        {values.rules.map((rule, index) => (
          <BlockStack gap="400" key={`${rule.type}:${rule.id}`}>
            {index > 0 ? <Divider /> : null}
            <RuleEditor
              rule={rule}
              index={index}
              showId={countOfType(rule.type) > 1}
              onChange={(next) => setRule(index, next)}
              errors={errors}
              choices={data.choices}
              plan={data.plan}
            />
          </BlockStack>
        ))}
      </BlockStack>
    </Card>
  );
}

const FREQUENCY_OPTIONS = ["immediate", "daily", "weekly"] as const;

function RuleEditor({
  rule,
  index,
  showId,
  onChange,
  errors,
  choices,
  plan,
}: {
  rule: RuleFormValues;
  index: number;
  showId: boolean;
  onChange: (rule: RuleFormValues) => void;
  errors: Errors;
  choices: LoaderData["choices"];
  /** The shop's plan (null: not limited): what it lacks stays visible, marked with the plan that has it. */
  plan: AlertPlanView | null;
}) {
  const { t } = useTranslation("alerts");
  const planName = usePlanName();
  const format = useFormat();
  const error = useFieldError(errors);
  const path = (field: string) => `rules.${index}.${field}`;
  const money = format.settings.currency ?? undefined;
  const title = t(`rules.types.${rule.type}.title`) + (showId ? ` (${rule.id})` : "");
  const fieldId = (field: string) => `rule-${index}-${field}`;
  // What the plan lacks can be chosen only as it was stored (held back), so a change can be undone before saving.
  const hold = plan?.held.rules.find((h) => h.ruleId === rule.id && h.type === rule.type);

  const frequency = (
    <Select
      key="frequency"
      id={fieldId("frequency")}
      label={t("rules.frequency")}
      options={FREQUENCY_OPTIONS.map((value) => {
        const label = t(`rules.frequencies.${value}`);
        const needs = plan?.needs.frequencies[value];
        if (needs === undefined) return { value, label };
        const stored = hold?.held === "frequency" && hold.frequency === value;
        return { value, label: t("plan.option", { option: label, plan: planName(needs) }), disabled: !stored };
      })}
      value={rule.frequency}
      onChange={(value) => onChange({ ...rule, frequency: value })}
      error={error(path("frequency"))}
    />
  );
  const moneyField = (field: "minLostRevenuePerDay" | "minStockValue", value: string, set: (value: string) => void, suffix?: string) => (
    <TextField
      key={field}
      id={fieldId(field)}
      label={t(`rules.${field}.label`)}
      helpText={t(`rules.${field}.help`)}
      type="text"
      inputMode="decimal"
      prefix={money}
      suffix={suffix}
      value={value}
      onChange={set}
      error={error(path(field))}
      autoComplete="off"
    />
  );
  const countField = (field: "belowUnits" | "belowDaysOfCover", value: string, set: (value: string) => void, suffix: string) => (
    <TextField
      key={field}
      id={fieldId(field)}
      label={t(`rules.${field}.label`)}
      helpText={t(`rules.${field}.help`)}
      type="text"
      inputMode="decimal"
      suffix={suffix}
      value={value}
      onChange={set}
      error={error(path(field))}
      autoComplete="off"
    />
  );
  const choiceField = (
    field: "withinDays" | "noSaleForDays",
    options: { value: string; label: string }[],
    value: string,
    set: (value: string) => void,
  ) => (
    <Select
      key={field}
      id={fieldId(field)}
      label={t(`rules.${field}.label`)}
      options={options}
      value={value}
      onChange={set}
      error={error(path(field))}
    />
  );

  /** The rule's own settings beside "Send". */
  let fields: ReactElement[] = [];
  switch (rule.type) {
    case "out_of_stock":
      fields = [
        moneyField(
          "minLostRevenuePerDay",
          rule.minLostRevenuePerDay,
          (value) => onChange({ ...rule, minLostRevenuePerDay: value }),
          t("rules.perDay"),
        ),
      ];
      break;
    case "stockout_predicted":
      fields = [
        choiceField(
          "withinDays",
          ["7", "14", "30", "lead_time"].map((value) => ({ value, label: t(`rules.withinDays.${value}`) })),
          rule.withinDays,
          (value) => onChange({ ...rule, withinDays: value }),
        ),
      ];
      break;
    case "low_stock":
      fields = [
        countField("belowUnits", rule.belowUnits, (value) => onChange({ ...rule, belowUnits: value }), t("rules.units")),
        countField("belowDaysOfCover", rule.belowDaysOfCover, (value) => onChange({ ...rule, belowDaysOfCover: value }), t("rules.days")),
      ];
      break;
    case "dead_stock":
      fields = [
        choiceField(
          "noSaleForDays",
          ["90", "180", "365"].map((value) => ({ value, label: t("rules.daysCount", { count: Number(value) }) })),
          rule.noSaleForDays,
          (value) => onChange({ ...rule, noSaleForDays: value }),
        ),
        moneyField("minStockValue", rule.minStockValue, (value) => onChange({ ...rule, minStockValue: value })),
      ];
      break;
    case "reorder_point":
    case "forecast_failed":
      break;
  }

  // A type the plan lacks can be turned off (a held-back rule), and back on only if it was stored on.
  const typeNeeds = plan?.needs.types[rule.type];
  return (
    <BlockStack gap="300">
      <Checkbox
        id={fieldId("enabled")}
        label={
          <InlineStack gap="200" blockAlign="center">
            <Text as="span" variant="headingSm">
              {title}
            </Text>
            {typeNeeds !== undefined ? <Badge tone="info">{t("plan.badge", { plan: planName(typeNeeds) })}</Badge> : null}
          </InlineStack>
        }
        helpText={t(`rules.types.${rule.type}.help`)}
        checked={rule.enabled}
        disabled={typeNeeds !== undefined && !rule.enabled && hold?.held !== "type"}
        onChange={(enabled) => onChange({ ...rule, enabled })}
        error={error(path("enabled")) ?? error(path("id"))}
      />
      {rule.enabled ? (
        <Box paddingInlineStart="600">
          <FormLayout>
            <FormLayout.Group>
              {frequency}
              {fields}
            </FormLayout.Group>
            {rule.type !== "forecast_failed" ? (
              <ScopeEditor
                scope={rule.scope}
                onChange={(scope) => onChange({ ...rule, scope })}
                errors={errors}
                pathPrefix={path("scope")}
                choices={choices}
                idPrefix={fieldId("scope")}
              />
            ) : null}
          </FormLayout>
        </Box>
      ) : null}
    </BlockStack>
  );
}

function ScopeEditor({
  scope,
  onChange,
  errors,
  pathPrefix,
  choices,
  idPrefix,
}: {
  scope: ScopeFormValues;
  onChange: (scope: ScopeFormValues) => void;
  errors: Errors;
  pathPrefix: string;
  choices: LoaderData["choices"];
  idPrefix: string;
}) {
  const { t } = useTranslation("alerts");
  const error = useFieldError(errors);
  const hasError = Object.keys(errors).some((field) => field.startsWith(`${pathPrefix}.`));
  const [open, setOpen] = useState(hasError);
  const size = scopeSize(scope);
  const locations = useMemo(() => choices.locations.map((l) => ({ value: l.id, label: l.name })), [choices.locations]);
  const plain = (list: string[]) => list.map((value) => ({ value, label: value }));
  return (
    <BlockStack gap="300">
      <InlineStack gap="200" blockAlign="center">
        <Button
          variant="plain"
          disclosure={open || hasError ? "up" : "down"}
          onClick={() => setOpen((current) => !current)}
          ariaExpanded={open || hasError}
          ariaControls={`${idPrefix}-panel`}
        >
          {t("rules.scope.toggle")}
        </Button>
        <Text as="span" tone="subdued">
          {size === 0 ? t("rules.scope.all") : t("rules.scope.some", { count: size })}
        </Text>
      </InlineStack>
      {open || hasError ? (
        <div id={`${idPrefix}-panel`}>
          <BlockStack gap="300">
            <Text as="p" tone="subdued">
              {t("rules.scope.help")}
            </Text>
            <MultiPicker
              id={`${idPrefix}-vendors`}
              label={t("rules.scope.vendors")}
              options={plain(choices.vendors)}
              selected={scope.vendors}
              onChange={(vendors) => onChange({ ...scope, vendors })}
              error={error(`${pathPrefix}.vendors`)}
            />
            <MultiPicker
              id={`${idPrefix}-productTypes`}
              label={t("rules.scope.productTypes")}
              options={plain(choices.productTypes)}
              selected={scope.productTypes}
              onChange={(productTypes) => onChange({ ...scope, productTypes })}
              error={error(`${pathPrefix}.productTypes`)}
            />
            <ChoiceList
              allowMultiple
              title={t("rules.scope.abcClasses")}
              choices={["A", "B", "C"].map((value) => ({ value, label: t(`rules.scope.abc.${value}`) }))}
              selected={scope.abcClasses}
              onChange={(abcClasses) => onChange({ ...scope, abcClasses })}
              error={error(`${pathPrefix}.abcClasses`)}
            />
            {locations.length > 0 || scope.locationIds.length > 0 ? (
              <MultiPicker
                id={`${idPrefix}-locations`}
                label={t("rules.scope.locations")}
                helpText={t("rules.scope.locationsHelp")}
                options={locations}
                selected={scope.locationIds}
                onChange={(locationIds) => onChange({ ...scope, locationIds })}
                error={error(`${pathPrefix}.locationIds`)}
              />
            ) : null}
          </BlockStack>
        </div>
      ) : null}
    </BlockStack>
  );
}

/** A searchable multiple choice (Polaris combobox) with the chosen values as removable tags. */
function MultiPicker({
  id,
  label,
  helpText,
  options,
  selected,
  onChange,
  error,
}: {
  id: string;
  label: string;
  helpText?: string;
  options: { value: string; label: string }[];
  selected: string[];
  onChange: (selected: string[]) => void;
  error?: string;
}) {
  const { t } = useTranslation("alerts");
  const [query, setQuery] = useState("");
  const labelOf = (value: string) => options.find((option) => option.value === value)?.label ?? value;
  const shown = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return options.filter((option) => option.label.toLowerCase().includes(needle)).slice(0, 50);
  }, [options, query]);
  const toggle = (value: string) => onChange(selected.includes(value) ? selected.filter((v) => v !== value) : [...selected, value]);
  return (
    <BlockStack gap="200">
      <Combobox
        allowMultiple
        activator={
          <Combobox.TextField
            id={id}
            label={label}
            helpText={helpText}
            value={query}
            onChange={setQuery}
            placeholder={t("rules.scope.placeholder")}
            autoComplete="off"
            error={error}
          />
        }
      >
        {shown.length > 0 ? (
          <Listbox onSelect={toggle}>
            {shown.map((option) => (
              <Listbox.Option
                key={option.value}
                value={option.value}
                selected={selected.includes(option.value)}
                accessibilityLabel={option.label}
              >
                {option.label}
              </Listbox.Option>
            ))}
          </Listbox>
        ) : null}
      </Combobox>
      {selected.length > 0 ? (
        <InlineStack gap="100">
          {selected.map((value) => (
            <Tag key={value} onRemove={() => toggle(value)} accessibilityLabel={t("rules.scope.remove", { name: labelOf(value) })}>
              {labelOf(value)}
            </Tag>
          ))}
        </InlineStack>
      ) : null}
    </BlockStack>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Schedule

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const HOURS = Array.from({ length: 24 }, (_, hour) => String(hour));

function hourLabel(hour: string): string {
  return `${hour.padStart(2, "0")}:00`;
}

function ScheduleCard({ values, update, errors, timeZone }: Omit<SectionProps, "data"> & { timeZone: string | null }) {
  const { t } = useTranslation("alerts");
  const format = useFormat();
  const error = useFieldError(errors);
  const weekday = useMemo(() => {
    const names = new Intl.DateTimeFormat(format.settings.locale, { weekday: "long", timeZone: "UTC" });
    // 3 January 2000 was a Monday.
    return (index: number) => {
      const name = names.format(Date.UTC(2000, 0, 3 + index));
      return name.charAt(0).toLocaleUpperCase(format.settings.locale) + name.slice(1);
    };
  }, [format.settings.locale]);
  const hourOptions = HOURS.map((value) => ({ value, label: hourLabel(value) }));
  const quiet = values.quietHours;
  const setQuiet = (change: Partial<AlertFormValues["quietHours"]>) =>
    update((current) => ({ ...current, quietHours: { ...current.quietHours, ...change } }));
  return (
    <Card>
      <FormLayout>
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm">
            {t("schedule.timeZone")}
          </Text>
          <Text as="p" fontWeight="semibold" breakWord>
            <span data-testid="alerts-time-zone">{timeZone ?? "UTC"}</span>
          </Text>
          <Text as="p" tone="subdued">
            {timeZone
              ? t("schedule.timeZoneHelp", { zone: timeZone, hour: hourLabel(values.deliveryHour) })
              : t("schedule.timeZoneUnknown")}
          </Text>
        </BlockStack>
        <FormLayout.Group condensed>
          <Select
            id="deliveryHour"
            label={t("schedule.deliveryHour")}
            options={hourOptions}
            value={values.deliveryHour}
            onChange={(deliveryHour) => update((current) => ({ ...current, deliveryHour }))}
            error={error("deliveryHour")}
          />
          <Select
            id="weeklyDay"
            label={t("schedule.weeklyDay")}
            options={WEEKDAYS.map((value, index) => ({ value, label: weekday(index) }))}
            value={values.weeklyDay}
            onChange={(weeklyDay) => update((current) => ({ ...current, weeklyDay }))}
            error={error("weeklyDay")}
          />
        </FormLayout.Group>
        <Checkbox
          id="quietHours"
          label={t("schedule.quiet.label")}
          helpText={t("schedule.quiet.help")}
          checked={quiet.enabled}
          onChange={(enabled) => setQuiet({ enabled })}
        />
        {quiet.enabled ? (
          <FormLayout.Group condensed>
            <Select
              id="quietStart"
              label={t("schedule.quiet.start")}
              options={hourOptions}
              value={quiet.start}
              onChange={(start) => setQuiet({ start })}
              error={error("quietHours.start")}
            />
            <Select
              id="quietEnd"
              label={t("schedule.quiet.end")}
              options={hourOptions}
              value={quiet.end}
              onChange={(end) => setQuiet({ end })}
              error={error("quietHours.end")}
            />
          </FormLayout.Group>
        ) : null}
      </FormLayout>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Recipients

function RecipientsCard({ values, update, errors, data }: SectionProps) {
  const { t } = useTranslation("alerts");
  const error = useFieldError(errors);
  const [draft, setDraft] = useState("");
  const [draftError, setDraftError] = useState<string | null>(null);
  const planName = usePlanName();
  const shopEmail = data.shop.email;
  const stored = new Map(data.recipients.map((r) => [r.email, r.confirmed]));
  const held = new Set(data.plan?.held.recipients);
  const add = () => {
    const problem = addRecipientError(draft, values, shopEmail, data.plan);
    setDraftError(problem);
    if (problem) return;
    update((current) => ({ ...current, recipients: [...current.recipients, { email: normaliseEmail(draft), disabledTypes: [] }] }));
    setDraft("");
  };
  const remove = (index: number) => update((current) => ({ ...current, recipients: current.recipients.filter((_, i) => i !== index) }));
  // The shop's own address may hold its preferences in the list; it is shown above, not as an extra.
  const extras = values.recipients
    .map((recipient, index) => ({ recipient, index }))
    .filter(({ recipient }) => recipient.email !== shopEmail);
  // The plan's number of extra recipients is worth saying once the list has reached it.
  const full = data.plan !== null && extras.length >= data.plan.extraRecipients;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <BlockStack gap="050">
            <Text as="h3" variant="headingSm">
              {t("recipients.shopEmail")}
            </Text>
            <Text as="p" breakWord tone={shopEmail ? undefined : "subdued"}>
              {shopEmail ?? t("recipients.noShopEmail")}
            </Text>
          </BlockStack>
          {shopEmail ? <Badge tone="info">{t("recipients.always")}</Badge> : null}
        </InlineStack>
        <Divider />
        {extras.length === 0 ? (
          <Text as="p" tone="subdued">
            {t("recipients.empty")}
          </Text>
        ) : (
          <BlockStack gap="300">
            {extras.map(({ recipient, index }) => (
              <RecipientRow
                key={recipient.email}
                email={recipient.email}
                state={stored.has(recipient.email) ? (stored.get(recipient.email) ? "confirmed" : "waiting") : "new"}
                held={held.has(recipient.email)}
                onRemove={() => remove(index)}
                error={error(`recipients.${index}.email`)}
              />
            ))}
          </BlockStack>
        )}
        {error("recipients") ? (
          <Text as="p" tone="critical">
            {error("recipients")}
          </Text>
        ) : null}
        <div
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              add();
            }
          }}
        >
          <TextField
            id="add-recipient"
            label={t("recipients.addLabel")}
            helpText={
              full && data.plan
                ? `${t("recipients.addHelp")} ${t("plan.recipientsHelp", { plan: planName(data.plan.plan), count: data.plan.extraRecipients })}`
                : t("recipients.addHelp")
            }
            type="email"
            value={draft}
            onChange={(value) => {
              setDraft(value);
              setDraftError(null);
            }}
            error={draftError ? t(draftError) : undefined}
            autoComplete="email"
            connectedRight={<Button onClick={add}>{t("recipients.add")}</Button>}
          />
        </div>
      </BlockStack>
    </Card>
  );
}

function RecipientRow({
  email,
  state,
  held,
  onRemove,
  error,
}: {
  email: string;
  state: "confirmed" | "waiting" | "new";
  /** Past the plan's extra recipients: kept, but receives no alerts. */
  held: boolean;
  onRemove: () => void;
  error: string | undefined;
}) {
  const { t } = useTranslation("alerts");
  const fetcher = useFetcher<typeof action>();
  useResultToast(fetcher.data, fetcher.state, (data) => {
    if (data.intent !== "resend") return null;
    if (data.ok) return { text: t("recipients.resent", { email: data.email }), error: false };
    if (data.reason === "rate_limited") return { text: t("recipients.wait", { seconds: data.retryAfterSeconds ?? 60 }), error: true };
    return { text: t("recipients.notResent"), error: true };
  });
  const badge =
    state === "confirmed" ? (
      <Badge tone="success">{t("recipients.confirmed")}</Badge>
    ) : state === "waiting" ? (
      <Badge tone="attention">{t("recipients.waiting")}</Badge>
    ) : (
      <Badge>{t("recipients.new")}</Badge>
    );
  return (
    <BlockStack gap="100">
      <div data-testid="recipient-row">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <BlockStack gap="100">
            <Text as="p" breakWord>
              {email}
            </Text>
            <InlineStack gap="100">
              {badge}
              {held ? <Badge tone="warning">{t("plan.heldBadge")}</Badge> : null}
            </InlineStack>
          </BlockStack>
          <InlineStack gap="200" blockAlign="center">
            {state === "waiting" ? (
              <Button
                variant="plain"
                loading={fetcher.state !== "idle"}
                onClick={() => fetcher.submit({ intent: "resend", email }, { method: "post" })}
                accessibilityLabel={t("recipients.resendFor", { email })}
              >
                {t("recipients.resend")}
              </Button>
            ) : null}
            <Button variant="plain" tone="critical" onClick={onRemove} accessibilityLabel={t("recipients.removeFor", { email })}>
              {t("recipients.remove")}
            </Button>
          </InlineStack>
        </InlineStack>
      </div>
      {error ? (
        <Text as="p" tone="critical">
          {error}
        </Text>
      ) : null}
    </BlockStack>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Language and branding

function BrandingCard({ values, update, errors, data }: SectionProps) {
  const { t } = useTranslation("alerts");
  const error = useFieldError(errors);
  const { i18n } = useTranslation();
  const adminLanguage = t(`branding.languages.${data.shop.adminLocale ?? i18n.language}`);
  const branding = values.branding;
  const setBranding = (change: Partial<AlertFormValues["branding"]>) =>
    update((current) => ({ ...current, branding: { ...current.branding, ...change } }));
  const swatch = /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(branding.accentColor.trim()) ? branding.accentColor.trim() : null;
  // The colour input needs #rrggbb: a short #abc is spelled out; none shows Fluxor's blue, which the emails then use.
  const pickerValue = swatch ? (swatch.length === 7 ? swatch : `#${[...swatch.slice(1)].map((d) => d + d).join("")}`) : DEFAULT_ACCENT;
  return (
    <Card>
      <FormLayout>
        <Select
          id="locale"
          label={t("branding.language")}
          options={LOCALE_CHOICES.map((value) => ({
            value,
            label: value === "" ? t("branding.sameAsFluxor", { language: adminLanguage }) : t(`branding.languages.${value}`),
          }))}
          value={values.locale}
          onChange={(locale) => update((current) => ({ ...current, locale }))}
          error={error("locale")}
        />
        <TextField
          id="senderName"
          label={t("branding.senderName")}
          helpText={t("branding.senderNameHelp", { shop: data.shop.name })}
          placeholder={data.shop.name}
          value={branding.senderName}
          onChange={(senderName) => setBranding({ senderName })}
          error={error("branding.senderName")}
          autoComplete="off"
        />
        <TextField
          id="logoUrl"
          label={t("branding.logoUrl")}
          helpText={t("branding.logoUrlHelp")}
          type="url"
          placeholder="https://"
          value={branding.logoUrl}
          onChange={(logoUrl) => setBranding({ logoUrl })}
          error={error("branding.logoUrl")}
          autoComplete="off"
        />
        <TextField
          id="accentColor"
          label={t("branding.accentColor")}
          helpText={t("branding.accentColorHelp")}
          placeholder="#1a6b3c"
          value={branding.accentColor}
          onChange={(accentColor) => setBranding({ accentColor })}
          error={error("branding.accentColor")}
          autoComplete="off"
          prefix={
            <span
              data-testid="accent-swatch"
              aria-hidden
              style={{
                display: "inline-block",
                width: "1.25rem",
                height: "1.25rem",
                borderRadius: "var(--p-border-radius-100)",
                border: "var(--p-border-width-025) solid var(--p-color-border)",
                background:
                  swatch ??
                  "repeating-linear-gradient(45deg, var(--p-color-bg-surface-secondary) 0 4px, var(--p-color-bg-surface) 4px 8px)",
                verticalAlign: "middle",
              }}
            />
          }
          connectedRight={
            <input
              type="color"
              aria-label={t("branding.pick")}
              value={pickerValue}
              onChange={(event) => setBranding({ accentColor: event.target.value })}
              style={{ width: "2.25rem", height: "2.25rem", padding: 0, border: "none", background: "none", cursor: "pointer" }}
            />
          }
        />
      </FormLayout>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Preview and "send me a test"

const WIDTHS = { desktop: "100%", phone: "375px" } as const;

function PreviewCard({ values, data }: { values: AlertFormValues; data: LoaderData }) {
  const { t } = useTranslation("alerts");
  const preview = useFetcher<typeof action>();
  const [type, setType] = useState<PreviewType>("out_of_stock");
  const [width, setWidth] = useState<keyof typeof WIDTHS>("desktop");
  const load = useCallback(
    (chosen: PreviewType, current: AlertFormValues) =>
      preview.submit({ intent: "preview", type: chosen, [FORM_FIELD]: JSON.stringify(current) }, { method: "post" }),
    // The fetcher's submit is stable for the fetcher's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  // The first preview, and a new one whenever another email is chosen.
  useEffect(() => {
    load(type, values);
    // Values change with every keystroke: "Update preview" applies them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [type, load]);
  const result = preview.data?.intent === "preview" ? preview.data : undefined;
  const loading = preview.state !== "idle";
  return (
    <Card>
      <div data-testid="preview" aria-busy={loading}>
        <BlockStack gap="400">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("preview.title")}
            </Text>
            <Text as="p" tone="subdued">
              {t("preview.description")}
            </Text>
          </BlockStack>
          <InlineStack gap="300" align="space-between" blockAlign="end">
            <Box minWidth="14rem">
              <Select
                id="preview-type"
                label={t("preview.type")}
                options={PREVIEW_TYPES.map((value) => ({ value, label: t(`preview.types.${value}`) }))}
                value={type}
                onChange={(value) => isPreviewType(value) && setType(value)}
              />
            </Box>
            <InlineStack gap="200" blockAlign="center">
              <ButtonGroup variant="segmented">
                {(["desktop", "phone"] as const).map((key) => (
                  <Button key={key} pressed={width === key} onClick={() => setWidth(key)}>
                    {t(`preview.${key}`)}
                  </Button>
                ))}
              </ButtonGroup>
              <Button onClick={() => load(type, values)} loading={loading}>
                {t("preview.refresh")}
              </Button>
            </InlineStack>
          </InlineStack>
          {result && !result.ok ? <Banner tone="warning" title={t("preview.invalid")} /> : null}
          {result?.ok && !result.live ? (
            <div data-testid="preview-empty">
              <Banner tone="info" title={t("preview.emptyTitle")}>
                <Text as="p">{t("preview.empty")}</Text>
              </Banner>
            </div>
          ) : null}
          {result?.ok ? (
            <BlockStack gap="200">
              <Text as="p" breakWord>
                <Text as="span" tone="subdued">
                  {t("preview.subject")}
                </Text>{" "}
                <Text as="span" fontWeight="semibold">
                  <span data-testid="preview-subject">{result.subject}</span>
                </Text>
              </Text>
              <Box background="bg-surface-secondary" padding="200" borderRadius="200">
                <div style={{ display: "flex", justifyContent: "center" }}>
                  <iframe
                    title={t("preview.frameTitle")}
                    data-testid="preview-frame"
                    sandbox=""
                    srcDoc={result.html}
                    style={{
                      width: WIDTHS[width],
                      maxWidth: "100%",
                      height: "40rem",
                      border: "var(--p-border-width-025) solid var(--p-color-border)",
                      borderRadius: "var(--p-border-radius-200)",
                      background: "white",
                      opacity: loading ? 0.6 : 1,
                    }}
                  />
                </div>
              </Box>
            </BlockStack>
          ) : (
            <PreviewSkeleton />
          )}
          <Divider />
          <TestSend values={values} data={data} />
        </BlockStack>
      </div>
    </Card>
  );
}

function PreviewSkeleton() {
  const { t } = useTranslation("alerts");
  return (
    <div aria-busy="true" aria-label={t("preview.loading")}>
      <BlockStack gap="200">
        <SkeletonBodyText lines={1} />
        <Box background="bg-surface-secondary" padding="400" borderRadius="200" minHeight="40rem">
          <BlockStack gap="400">
            <SkeletonDisplayText size="medium" />
            <SkeletonBodyText lines={6} />
          </BlockStack>
        </Box>
      </BlockStack>
    </div>
  );
}

function TestSend({ values, data }: { values: AlertFormValues; data: LoaderData }) {
  const { t } = useTranslation("alerts");
  const fetcher = useFetcher<typeof action>();
  const options = useMemo(
    () => [
      ...(data.shop.email ? [data.shop.email] : []),
      ...data.recipients.filter((r) => r.confirmed && r.email !== data.shop.email).map((r) => r.email),
    ],
    [data.shop.email, data.recipients],
  );
  const [recipient, setRecipient] = useState(options[0] ?? "");
  useResultToast(fetcher.data, fetcher.state, (result) => {
    if (result.intent !== "test") return null;
    if (result.ok) return { text: t("test.sent", { email: result.recipient }), error: false };
    if (result.reason === "rate_limited") return { text: t("test.wait", { seconds: result.retryAfterSeconds ?? 60 }), error: true };
    if (result.reason === "invalid") return { text: t("preview.invalid"), error: true };
    if (result.reason === "read_only") return { text: t("billing:readOnly.test"), error: true };
    return { text: t("test.unknown"), error: true };
  });
  return (
    <BlockStack gap="300">
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm">
          {t("test.title")}
        </Text>
        <Text as="p" tone="subdued">
          {t("test.help")}
        </Text>
        {data.readOnly ? (
          <Text as="p" tone="caution">
            {t("billing:readOnly.test")}
          </Text>
        ) : null}
      </BlockStack>
      {options.length === 0 ? (
        <Text as="p" tone="subdued">
          {t("test.noRecipient")}
        </Text>
      ) : (
        <InlineStack gap="300" blockAlign="end">
          <Box minWidth="16rem">
            <Select id="test-recipient" label={t("test.to")} options={options} value={recipient} onChange={setRecipient} />
          </Box>
          <Button
            id="send-test"
            loading={fetcher.state !== "idle"}
            disabled={data.readOnly !== null}
            onClick={() => fetcher.submit({ intent: "test", recipient, [FORM_FIELD]: JSON.stringify(values) }, { method: "post" })}
          >
            {t("test.send")}
          </Button>
        </InlineStack>
      )}
    </BlockStack>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Email delivery (the operator's view)

const RECORD_TONE: Record<RecordStatus, "success" | "attention" | "critical" | "info"> = {
  verified: "success",
  pending: "attention",
  not_started: "info",
  temporary_failure: "critical",
  failed: "critical",
};

function DeliveryCard({ status }: { status: DeliveryStatus }) {
  const { t } = useTranslation("alerts");
  return (
    <Card>
      <div data-testid="delivery-card">
        <BlockStack gap="400">
          <InlineStack gap="200" blockAlign="center">
            <Badge tone={status.configured ? "success" : "critical"}>
              {t(status.configured ? "delivery.configured" : "delivery.notConfigured")}
            </Badge>
          </InlineStack>
          {!status.configured ? (
            <Text as="p" tone="subdued">
              {t("delivery.notConfiguredHelp")}
            </Text>
          ) : (
            <BlockStack gap="300">
              <Fact label={t("delivery.from")} value={status.from ?? ""} />
              {status.domain ? <Fact label={t("delivery.domain")} value={status.domain} /> : null}
              {status.lookup === "error" ? (
                <Banner tone="warning" title={t("delivery.lookupError")} />
              ) : status.lookup === "not_found" ? (
                <Banner tone="warning" title={t("delivery.notFound", { domain: status.domain ?? status.from })} />
              ) : null}
              {status.records.map((record) => (
                <BlockStack gap="100" key={`${record.record}:${record.type}:${record.name}`}>
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" fontWeight="semibold">
                      {`${record.record} · ${record.type} · ${record.name}`}
                    </Text>
                    <Badge tone={RECORD_TONE[record.status]}>{t(`delivery.status.${record.status}`)}</Badge>
                  </InlineStack>
                  <Code>{record.value}</Code>
                </BlockStack>
              ))}
              {status.dmarc ? (
                <BlockStack gap="100">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" fontWeight="semibold">
                      {`DMARC · TXT · ${status.dmarc.name}`}
                    </Text>
                    <Badge>{t("delivery.dmarcNotChecked")}</Badge>
                  </InlineStack>
                  <Text as="p" tone="subdued">
                    {t("delivery.dmarcHelp")}
                  </Text>
                  <Code>{status.dmarc.value}</Code>
                </BlockStack>
              ) : null}
              <Text as="p" tone="subdued">
                {t("delivery.readme")}
              </Text>
            </BlockStack>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <Text as="p" breakWord>
        {value}
      </Text>
    </BlockStack>
  );
}

function Code({ children }: { children: string }) {
  return (
    <Box background="bg-surface-secondary" padding="200" borderRadius="100">
      <Text as="p" breakWord>
        <code style={{ fontSize: "var(--p-font-size-275)", wordBreak: "break-all" }}>{children}</code>
      </Text>
    </Box>
  );
}

function DeliverySkeleton() {
  return (
    <Card>
      <BlockStack gap="300">
        <SkeletonDisplayText size="small" />
        <SkeletonBodyText lines={5} />
      </BlockStack>
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
