import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  ChoiceList,
  Divider,
  FormLayout,
  InlineStack,
  Layout,
  Page,
  Select,
  Spinner,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { DbId, readForm } from "../api/params";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { ReadOnlyBanner, ReadOnlyRefused } from "../components/ReadOnly";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import {
  overrideFieldErrors,
  parseOverrideForm,
  parseSettingsForm,
  settingsFieldErrors,
  settingsToFormValues,
  type SettingsFormValues,
} from "../dashboard/settings-form";
import { requireShop } from "../dashboard/shop.server";
import { LeadTimeOverrideKey } from "../forecasts/contract";
import { listFilterOptions } from "../forecasts/read.server";
import {
  adviceUpdating,
  deleteLeadTimeOverride,
  loadSettings,
  saveLeadTimeOverride,
  saveSettings,
  settingsReadOnly,
  SettingsReadOnlyError,
} from "../forecasts/settings.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const [stored, options, updating, readOnly] = await Promise.all([
    loadSettings(shop.id),
    listFilterOptions(shop.id),
    adviceUpdating(shop.id),
    settingsReadOnly(shop.id),
  ]);
  return {
    values: settingsToFormValues(stored.settings),
    /** Why nothing can be saved now (read-only mode), or null. */
    readOnly,
    /** Saved settings not yet applied to every suggestion (the forecast.advice job is running). */
    adviceUpdating: updating,
    vendorLeadTimes: stored.vendorLeadTimes.map((row) => ({
      vendor: row.vendor,
      leadTimeDays: row.leadTimeDays,
      leadTimeSdDays: row.leadTimeSdDays,
    })),
    productLeadTimes: stored.productLeadTimes.map((row) => ({
      productId: String(row.productId),
      title: row.productTitle ?? String(row.productId),
      leadTimeDays: row.leadTimeDays,
      leadTimeSdDays: row.leadTimeSdDays,
    })),
    vendors: options.vendors.filter((vendor) => vendor !== ""),
    locations: options.locations,
  };
};

type ActionResult = { intent: string; ok: true; rerun?: boolean } | { intent: string; ok: false; errors: Record<string, string> };

export const action = async ({ request }: ActionFunctionArgs): Promise<ActionResult> => {
  const shop = await requireShop(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const intent = String(form.get("intent") ?? "");
  try {
    return await save(shop.id, intent, form);
  } catch (error) {
    // Read-only mode: the buttons are disabled, but a page loaded before the shop became read-only can still post.
    if (error instanceof SettingsReadOnlyError) return { intent, ok: false, errors: { form: READ_ONLY_REFUSED } };
    throw error;
  }
};

async function save(shopId: string, intent: string, form: FormData): Promise<ActionResult> {
  if (intent === "settings") {
    const parsed = parseSettingsForm(form);
    if (!parsed.success) return { intent, ok: false, errors: settingsFieldErrors(parsed.error) };
    const outcome = await saveSettings(shopId, parsed.data);
    return { intent, ok: true, rerun: outcome.rerun };
  }
  if (intent === "override") {
    const parsed = parseOverrideForm(form);
    if (!parsed.success) return { intent, ok: false, errors: overrideFieldErrors(parsed.error) };
    await saveLeadTimeOverride(shopId, parsed.data);
    return { intent, ok: true };
  }
  if (intent === "delete-override") {
    const parsed = LeadTimeOverrideKey.safeParse({ scope: form.get("scope"), key: form.get("key") ?? "" });
    if (!parsed.success) return { intent, ok: false, errors: { key: "settings.errors.override.key" } };
    await deleteLeadTimeOverride(shopId, parsed.data.scope, parsed.data.key);
    return { intent, ok: true };
  }
  throw new Response("Unknown action", { status: 400 });
}

/** Shows a toast once per successful answer of a fetcher. */
function useSavedToast(data: ActionResult | undefined, state: string, message: string) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (state === "idle" && data?.ok) shopify.toast.show(message);
  }, [data, state, message, shopify]);
}

/**
 * While saved settings are being applied to every suggestion (a background job: up to a minute for a very
 * large catalog), a banner says so and the page checks again every 1.5 s; a toast says when it is done.
 */
function AdviceUpdate() {
  const { adviceUpdating } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const shopify = useAppBridge();
  const revalidator = useRevalidator();
  const wasUpdating = useRef(adviceUpdating);
  useEffect(() => {
    if (!adviceUpdating || revalidator.state !== "idle") return;
    const timer = setTimeout(() => revalidator.revalidate(), 1500);
    return () => clearTimeout(timer);
  }, [adviceUpdating, revalidator]);
  useEffect(() => {
    if (wasUpdating.current && !adviceUpdating) shopify.toast.show(t("settings.updated"));
    wasUpdating.current = adviceUpdating;
  }, [adviceUpdating, shopify, t]);
  if (!adviceUpdating) return null;
  return (
    <Layout.Section>
      <div data-testid="advice-updating">
        <Banner tone="info">
          <InlineStack gap="200" blockAlign="center" wrap={false}>
            <Spinner size="small" accessibilityLabel={t("settings.updatingLabel")} />
            <Text as="p">{t("settings.updating")}</Text>
          </InlineStack>
        </Banner>
      </div>
    </Layout.Section>
  );
}

export default function SettingsPage() {
  const { readOnly } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <Page title={t("settings.title")}>
      <Layout>
        {readOnly ? (
          <Layout.Section>
            <ReadOnlyBanner reason={readOnly} />
          </Layout.Section>
        ) : null}
        <AdviceUpdate />
        <Layout.AnnotatedSection title={t("settings.rules.title")} description={t("settings.rules.description")}>
          <RulesForm />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={t("settings.vendors.title")} description={t("settings.vendors.description")}>
          <VendorLeadTimes />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={t("settings.products.title")} description={t("settings.products.description")}>
          <ProductLeadTimes />
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}

function RulesForm() {
  const { values: initial, locations, readOnly } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const format = useFormat();
  const fetcher = useFetcher<typeof action>();
  const [values, setValues] = useState<SettingsFormValues>(initial);
  const saving = fetcher.state !== "idle";
  const errors = fetcher.data && !fetcher.data.ok && fetcher.data.intent === "settings" ? fetcher.data.errors : {};
  const saved = fetcher.data?.intent === "settings" ? fetcher.data : undefined;
  useSavedToast(saved, fetcher.state, t(saved?.ok && saved.rerun ? "settings.rerun" : "settings.savedUpdating"));
  const error = (field: keyof SettingsFormValues) => (errors[field] ? t(errors[field]) : undefined);
  const field = (name: keyof Omit<SettingsFormValues, "locationIds">) => ({
    name,
    value: values[name],
    onChange: (value: string) => setValues((current) => ({ ...current, [name]: value })),
    error: error(name),
    autoComplete: "off",
    label: t(`settings.fields.${name}.label`),
    helpText: t(`settings.fields.${name}.help`),
  });
  const currencySymbol = format.settings.currency ?? undefined;

  return (
    <Card>
      <fetcher.Form method="post" noValidate>
        <input type="hidden" name="intent" value="settings" />
        <FormLayout>
          {errors.form === READ_ONLY_REFUSED ? <ReadOnlyRefused /> : null}
          <TextField {...field("serviceLevelPercent")} type="number" inputMode="decimal" suffix="%" min={50} max={99.9} step={0.5} />
          <FormLayout.Group>
            <TextField {...field("leadTimeDays")} type="number" inputMode="decimal" suffix={t("settings.days")} min={0} max={365} />
            <TextField {...field("leadTimeSdDays")} type="number" inputMode="decimal" suffix={t("settings.days")} min={0} max={365} />
          </FormLayout.Group>
          <TextField {...field("reviewPeriodDays")} type="number" inputMode="numeric" suffix={t("settings.days")} min={1} max={90} />
          <FormLayout.Group>
            <TextField {...field("orderCost")} type="number" inputMode="decimal" suffix={currencySymbol} min={0} step={0.01} />
            <TextField {...field("holdingCostPercent")} type="number" inputMode="decimal" suffix="%" min={1} max={200} />
          </FormLayout.Group>
          {locations.length > 0 ? (
            <BlockStack gap="100">
              <ChoiceList
                allowMultiple
                title={t("settings.fields.locationIds.label")}
                choices={locations.map((location) => ({ label: location.name, value: location.id }))}
                selected={values.locationIds}
                onChange={(selected) => setValues((current) => ({ ...current, locationIds: selected }))}
                error={error("locationIds")}
              />
              {values.locationIds.map((id) => (
                <input key={id} type="hidden" name="locationIds" value={id} />
              ))}
              <Text as="p" tone="subdued">
                {t("settings.fields.locationIds.help")}
              </Text>
            </BlockStack>
          ) : null}
          <InlineStack align="end">
            <Button submit variant="primary" loading={saving} disabled={readOnly !== null} id="save-settings">
              {t("settings.save")}
            </Button>
          </InlineStack>
        </FormLayout>
      </fetcher.Form>
    </Card>
  );
}

function VendorLeadTimes() {
  const { vendorLeadTimes, vendors } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Card>
      <BlockStack gap="400">
        <OverrideForm
          scope="vendor"
          keyField={(value, onChange, error) => (
            <Select
              name="key"
              label={t("settings.vendors.vendor")}
              options={[{ label: t("settings.vendors.choose"), value: "" }, ...vendors.map((vendor) => ({ label: vendor, value: vendor }))]}
              value={value}
              onChange={onChange}
              error={error}
            />
          )}
        />
        {vendorLeadTimes.length > 0 ? <Divider /> : null}
        {vendorLeadTimes.map((row) => (
          <OverrideRow
            key={row.vendor}
            scope="vendor"
            overrideKey={row.vendor}
            label={row.vendor}
            detail={t("settings.overrideDetail", { days: format.number(row.leadTimeDays, 1), sd: format.number(row.leadTimeSdDays, 1) })}
          />
        ))}
      </BlockStack>
    </Card>
  );
}

function ProductLeadTimes() {
  const { productLeadTimes } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const { t } = useTranslation();
  const format = useFormat();
  const productId = searchParams.get("product");
  const productTitle = searchParams.get("title");
  const validProduct = productId !== null && DbId.safeParse(productId).success;
  return (
    <Card>
      <BlockStack gap="400">
        {validProduct ? (
          <OverrideForm
            scope="product"
            initialKey={productId}
            keyField={(value) => (
              <BlockStack gap="100">
                <input type="hidden" name="key" value={value} />
                <Text as="p" variant="headingSm">
                  {productTitle ?? value}
                </Text>
              </BlockStack>
            )}
          />
        ) : (
          <Text as="p" tone="subdued">
            {t("settings.products.how")}
          </Text>
        )}
        {productLeadTimes.length > 0 ? <Divider /> : null}
        {productLeadTimes.map((row) => (
          <OverrideRow
            key={row.productId}
            scope="product"
            overrideKey={row.productId}
            label={row.title}
            detail={t("settings.overrideDetail", { days: format.number(row.leadTimeDays, 1), sd: format.number(row.leadTimeSdDays, 1) })}
          />
        ))}
      </BlockStack>
    </Card>
  );
}

function OverrideForm({
  scope,
  initialKey = "",
  keyField,
}: {
  scope: "vendor" | "product";
  initialKey?: string;
  keyField: (value: string, onChange: (value: string) => void, error: string | undefined) => React.ReactNode;
}) {
  const { readOnly } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const fetcher = useFetcher<typeof action>();
  const [key, setKey] = useState(initialKey);
  const [days, setDays] = useState("");
  const [sd, setSd] = useState("");
  const errors = fetcher.data && !fetcher.data.ok && fetcher.data.intent === "override" ? fetcher.data.errors : {};
  useSavedToast(fetcher.data?.intent === "override" ? fetcher.data : undefined, fetcher.state, t("settings.saved"));
  const error = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  return (
    <fetcher.Form method="post" noValidate>
      <input type="hidden" name="intent" value="override" />
      <input type="hidden" name="scope" value={scope} />
      <FormLayout>
        {errors.form === READ_ONLY_REFUSED ? <ReadOnlyRefused /> : null}
        {keyField(key, setKey, error("key"))}
        <FormLayout.Group>
          <TextField
            name="leadTimeDays"
            label={t("settings.fields.leadTimeDays.label")}
            helpText={t(`settings.${scope === "vendor" ? "vendors" : "products"}.leadTimeHelp`)}
            type="number"
            inputMode="decimal"
            suffix={t("settings.days")}
            value={days}
            onChange={setDays}
            error={error("leadTimeDays")}
            autoComplete="off"
          />
          <TextField
            name="leadTimeSdDays"
            label={t("settings.fields.leadTimeSdDays.label")}
            helpText={t("settings.fields.leadTimeSdDays.help")}
            type="number"
            inputMode="decimal"
            suffix={t("settings.days")}
            value={sd}
            onChange={setSd}
            error={error("leadTimeSdDays")}
            autoComplete="off"
          />
        </FormLayout.Group>
        <InlineStack align="end">
          <Button submit loading={fetcher.state !== "idle"} disabled={readOnly !== null}>
            {t("settings.saveOverride")}
          </Button>
        </InlineStack>
      </FormLayout>
    </fetcher.Form>
  );
}

function OverrideRow({
  scope,
  overrideKey,
  label,
  detail,
}: {
  scope: "vendor" | "product";
  overrideKey: string;
  label: string;
  detail: string;
}) {
  const { readOnly } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const shopify = useAppBridge();
  const fetcher = useFetcher<typeof action>();
  const removed = fetcher.data?.intent === "delete-override" ? fetcher.data : undefined;
  useSavedToast(removed, fetcher.state, t("settings.removed"));
  // A row has no room for the form's refusal: it is a toast (the page's read-only banner shows once it reloads).
  const refused = removed && !removed.ok ? removed.errors.form : undefined;
  useEffect(() => {
    if (fetcher.state === "idle" && refused) shopify.toast.show(t(refused), { isError: true });
  }, [refused, fetcher.state, shopify, t]);
  return (
    <Box>
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="delete-override" />
        <input type="hidden" name="scope" value={scope} />
        <input type="hidden" name="key" value={overrideKey} />
        <InlineStack align="space-between" blockAlign="center" gap="200" wrap={false}>
          <BlockStack gap="050">
            <Text as="p" fontWeight="semibold">
              {label}
            </Text>
            <Text as="p" tone="subdued">
              {detail}
            </Text>
          </BlockStack>
          <Button
            submit
            variant="plain"
            tone="critical"
            loading={fetcher.state !== "idle"}
            disabled={readOnly !== null}
            accessibilityLabel={t("settings.removeFor", { name: label })}
          >
            {t("settings.remove")}
          </Button>
        </InlineStack>
      </fetcher.Form>
    </Box>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
