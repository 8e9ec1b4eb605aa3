import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  ChoiceList,
  FormLayout,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { readForm } from "../api/params";
import { hit, type RateLimitRule } from "../auth/rate-limit.server";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { ProductTypePicker } from "../components/ProductTypePicker";
import { ReadOnlyBanner, ReadOnlyRefused } from "../components/ReadOnly";
import { RouteError } from "../components/RouteError";
import { requireShop } from "../dashboard/shop.server";
import { listFilterOptions } from "../forecasts/read.server";
import { settingsReadOnly } from "../forecasts/settings.server";
import {
  fieldErrorKey,
  fieldOfError,
  parseSourcesForm,
  sourcesFormValues,
  testedSource,
  type SourcesFormValues,
} from "../signals/impact-sources-form";
import { MAX_SIGNAL_PRODUCT_TYPES, type SourceId } from "../signals/sources";
import { getSignalSettings, saveSignalSettings, testConnection, type ConnectionTest } from "../signals/sources.server";

/** "Test connection" asks the real source: a few per shop in ten minutes (the gateway's circuits are shared by every shop). */
const TEST_RULE: RateLimitRule = { limit: 10, windowSeconds: 600 };

/** `GET /app/signals/sources`: the shop's weather and economic-indicator settings (never the stored API key itself). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const [settings, options, readOnly] = await Promise.all([
    getSignalSettings(shop.id),
    listFilterOptions(shop.id),
    settingsReadOnly(shop.id),
  ]);
  return {
    values: sourcesFormValues(settings),
    locations: settings.locations,
    point: settings.weather.point,
    shopCountryCode: settings.shopCountryCode,
    defaultSeries: settings.indicators.defaultSeries,
    apiKey: { stored: settings.indicators.hasApiKey, hint: settings.indicators.apiKeyHint },
    productTypes: options.productTypes.filter((type) => type !== ""),
    readOnly,
  };
};

type ActionData =
  | { intent: "save"; ok: true }
  | { intent: "save"; ok: false; errors: Record<string, string> }
  | { intent: "test"; ok: true; source: SourceId; result: ConnectionTest }
  | { intent: "test"; ok: false; errors: Record<string, string> };

const answer = (data: ActionData, status = 200) => json(data, { status });

/**
 * `POST /app/signals/sources`: `intent=save` stores the settings (400 with the field errors, nothing saved; 403 in
 * read-only mode); `intent=test&source=weather|indicators` makes one live request with the saved settings.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await requireShop(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const intent = form.get("intent");
  if (intent === "save") {
    const parsed = parseSourcesForm(form);
    if (!parsed.ok) return answer({ intent, ok: false, errors: parsed.fieldErrors }, 400);
    const saved = await saveSignalSettings(shop.id, parsed.input);
    if (saved.ok) return answer({ intent, ok: true });
    const errors: Record<string, string> = {};
    for (const [path, message] of Object.entries(saved.fieldErrors)) errors[fieldOfError(path)] ??= message;
    return answer({ intent, ok: false, errors }, errors.form === READ_ONLY_REFUSED ? 403 : 400);
  }
  if (intent === "test") {
    const source = testedSource(form);
    if (!source) return answer({ intent, ok: false, errors: { source: "invalid" } }, 400);
    if (!(await hit(`signals-test:${shop.id}`, TEST_RULE)).allowed)
      return answer({ intent, ok: false, errors: { form: "rate_limited" } }, 429);
    return answer({ intent, ok: true, source, result: await testConnection(shop.id, source) });
  }
  throw new Response("Unknown action", { status: 400 });
};

const NS = "impact";

export default function SignalSourcesPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation(NS);
  const shopify = useAppBridge();
  const save = useFetcher<typeof action>();
  const [values, setValues] = useState<SourcesFormValues>(data.values);
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  // Set once the page is interactive: a click before hydration would do nothing.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);
  // What was saved comes back from the loader (coordinates rounded, codes upper-cased): the form shows it. Only a change
  // of the stored settings resets the form; a refused save revalidates the loader too and must keep what was typed.
  const stored = JSON.stringify(data.values);
  useEffect(() => setValues(JSON.parse(stored) as SourcesFormValues), [stored]);
  const saved = save.data?.intent === "save" ? save.data : undefined;
  useEffect(() => {
    if (save.state !== "idle" || !saved?.ok) return;
    setApiKey("");
    setRemoveKey(false);
    shopify.toast.show(t("sources.saved"));
  }, [save.state, saved, shopify, t]);
  const errors = saved && !saved.ok ? saved.errors : {};
  const error = (field: string) => (errors[field] ? t(fieldErrorKey(errors[field])) : undefined);
  const dirty = JSON.stringify(values) !== stored || apiKey !== "" || removeKey;
  const disabled = data.readOnly !== null;

  const setWeather = (patch: Partial<SourcesFormValues["weather"]>) => setValues((v) => ({ ...v, weather: { ...v.weather, ...patch } }));
  const setIndicators = (patch: Partial<SourcesFormValues["indicators"]>) =>
    setValues((v) => ({ ...v, indicators: { ...v.indicators, ...patch } }));
  const locationLabel = data.locations.find((location) => location.id === values.weather.locationId)?.name ?? "";

  return (
    <Page title={t("sources.title")} backAction={{ content: t("title"), url: "/app/signals" }}>
      <span hidden data-testid="sources-interactive" data-interactive={interactive ? "yes" : "no"} />
      <save.Form method="post" noValidate>
        <input type="hidden" name="intent" value="save" />
        <input type="hidden" name="weatherEnabled" value={String(values.weather.enabled)} />
        <input type="hidden" name="weatherKind" value={values.weather.kind} />
        <input type="hidden" name="locationId" value={values.weather.locationId} />
        {values.weather.kind === "coordinates" && locationLabel ? <input type="hidden" name="label" value={locationLabel} /> : null}
        <input type="hidden" name="indicatorsEnabled" value={String(values.indicators.enabled)} />
        <input type="hidden" name="removeApiKey" value={String(removeKey)} />
        {values.weather.productTypes.map((type) => (
          <input key={type} type="hidden" name="weatherTypes" value={type} />
        ))}
        {values.indicators.productTypes.map((type) => (
          <input key={type} type="hidden" name="indicatorsTypes" value={type} />
        ))}
        <Layout>
          {data.readOnly ? (
            <Layout.Section>
              <ReadOnlyBanner reason={data.readOnly} />
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <div data-testid="sources-privacy">
              <Banner tone="info" title={t("sources.privacy.title")}>
                <Text as="p">{t("sources.privacy.body")}</Text>
              </Banner>
            </div>
          </Layout.Section>
          {errors.form === READ_ONLY_REFUSED ? (
            <Layout.Section>
              <ReadOnlyRefused />
            </Layout.Section>
          ) : Object.keys(errors).length > 0 ? (
            <Layout.Section>
              <div data-testid="sources-errors">
                <Banner tone="critical">
                  <Text as="p">{t("sources.errorsBanner")}</Text>
                </Banner>
              </div>
            </Layout.Section>
          ) : null}
          <Layout.AnnotatedSection title={t("sources.weather.title")} description={t("sources.weather.description")}>
            <Card>
              <FormLayout>
                <Checkbox
                  id="weather-enabled"
                  label={t("sources.weather.enabled")}
                  checked={values.weather.enabled}
                  onChange={(enabled) => setWeather({ enabled })}
                  error={error("weatherEnabled")}
                />
                <ChoiceList
                  title={t("sources.weather.location")}
                  choices={[
                    { label: t("sources.weather.kind.coordinates"), value: "coordinates" },
                    { label: t("sources.weather.kind.city"), value: "city" },
                  ]}
                  selected={[values.weather.kind]}
                  onChange={([kind]) => setWeather({ kind: kind === "city" ? "city" : "coordinates" })}
                  error={error("location")}
                />
                {values.weather.kind === "coordinates" ? (
                  <FormLayout.Group>
                    <TextField
                      id="weather-latitude"
                      name="latitude"
                      label={t("sources.weather.latitude")}
                      value={values.weather.latitude}
                      onChange={(latitude) => setWeather({ latitude })}
                      inputMode="decimal"
                      autoComplete="off"
                      error={error("latitude")}
                    />
                    <TextField
                      id="weather-longitude"
                      name="longitude"
                      label={t("sources.weather.longitude")}
                      value={values.weather.longitude}
                      onChange={(longitude) => setWeather({ longitude })}
                      inputMode="decimal"
                      autoComplete="off"
                      error={error("longitude")}
                    />
                  </FormLayout.Group>
                ) : (
                  <FormLayout.Group>
                    <TextField
                      id="weather-city"
                      name="city"
                      label={t("sources.weather.city")}
                      value={values.weather.city}
                      onChange={(city) => setWeather({ city })}
                      autoComplete="off"
                      error={error("city")}
                    />
                    <TextField
                      id="weather-country"
                      name="weatherCountry"
                      label={t("sources.weather.country")}
                      value={values.weather.countryCode}
                      onChange={(countryCode) => setWeather({ countryCode })}
                      helpText={t("sources.countryHelp")}
                      maxLength={2}
                      autoComplete="off"
                      error={error("weatherCountry")}
                    />
                  </FormLayout.Group>
                )}
                <Text as="p" tone="subdued" variant="bodySm">
                  {t("sources.weather.rounding")}
                  {data.point ? ` ${t("sources.weather.point", { latitude: data.point.latitude, longitude: data.point.longitude })}` : ""}
                </Text>
                {data.locations.length > 0 ? (
                  <Select
                    id="weather-shop-location"
                    label={t("sources.weather.shopLocation")}
                    helpText={t("sources.weather.shopLocationHelp")}
                    options={[
                      { label: t("sources.weather.noShopLocation"), value: "" },
                      ...data.locations.map((l) => ({ label: l.name, value: l.id })),
                    ]}
                    value={values.weather.locationId}
                    onChange={(locationId) => setWeather({ locationId })}
                    error={error("locationId")}
                  />
                ) : null}
                <SourceProductTypes
                  source="weather"
                  options={data.productTypes}
                  selected={values.weather.productTypes}
                  onChange={(productTypes) => setWeather({ productTypes })}
                  error={error("weatherTypes")}
                />
                <ConnectionTester source="weather" dirty={dirty} />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title={t("sources.indicators.title")} description={t("sources.indicators.description")}>
            <Card>
              <FormLayout>
                <Checkbox
                  id="indicators-enabled"
                  label={t("sources.indicators.enabled")}
                  checked={values.indicators.enabled}
                  onChange={(enabled) => setIndicators({ enabled })}
                  error={error("indicatorsEnabled")}
                />
                <TextField
                  id="indicators-country"
                  name="indicatorsCountry"
                  label={t("sources.indicators.country")}
                  value={values.indicators.countryCode}
                  onChange={(countryCode) => setIndicators({ countryCode })}
                  placeholder={data.shopCountryCode ?? undefined}
                  helpText={t("sources.indicators.countryHelp", { country: data.shopCountryCode ?? t("none") })}
                  maxLength={2}
                  autoComplete="off"
                  error={error("indicatorsCountry")}
                />
                <FormLayout.Group>
                  <TextField
                    id="indicators-cpi"
                    name="cpiSeries"
                    label={t("sources.indicators.cpiSeries")}
                    value={values.indicators.cpiSeries}
                    onChange={(cpiSeries) => setIndicators({ cpiSeries })}
                    placeholder={data.defaultSeries?.cpi}
                    helpText={
                      data.defaultSeries
                        ? t("sources.indicators.seriesDefault", { series: data.defaultSeries.cpi })
                        : t("sources.indicators.seriesNoDefault")
                    }
                    autoComplete="off"
                    error={error("cpiSeries")}
                  />
                  <TextField
                    id="indicators-confidence"
                    name="confidenceSeries"
                    label={t("sources.indicators.confidenceSeries")}
                    value={values.indicators.confidenceSeries}
                    onChange={(confidenceSeries) => setIndicators({ confidenceSeries })}
                    placeholder={data.defaultSeries?.consumer_confidence}
                    helpText={
                      data.defaultSeries
                        ? t("sources.indicators.seriesDefault", { series: data.defaultSeries.consumer_confidence })
                        : t("sources.indicators.seriesNoDefault")
                    }
                    autoComplete="off"
                    error={error("confidenceSeries")}
                  />
                </FormLayout.Group>
                <TextField
                  id="indicators-api-key"
                  name="apiKey"
                  type="password"
                  label={t("sources.indicators.apiKey")}
                  value={apiKey}
                  onChange={setApiKey}
                  disabled={removeKey}
                  helpText={
                    data.apiKey.stored
                      ? t("sources.indicators.apiKeyStored", { hint: data.apiKey.hint ?? "" })
                      : t("sources.indicators.apiKeyHelp")
                  }
                  autoComplete="new-password"
                  error={error("apiKey")}
                />
                {data.apiKey.stored ? (
                  <Checkbox
                    id="indicators-remove-key"
                    label={t("sources.indicators.removeKey")}
                    checked={removeKey}
                    onChange={setRemoveKey}
                  />
                ) : null}
                <SourceProductTypes
                  source="indicators"
                  options={data.productTypes}
                  selected={values.indicators.productTypes}
                  onChange={(productTypes) => setIndicators({ productTypes })}
                  error={error("indicatorsTypes")}
                />
                <ConnectionTester source="indicators" dirty={dirty} />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.Section>
            <InlineStack align="end">
              <Button submit variant="primary" loading={save.state !== "idle"} disabled={disabled} id="save-sources">
                {t("sources.save")}
              </Button>
            </InlineStack>
          </Layout.Section>
        </Layout>
      </save.Form>
    </Page>
  );
}

/** "Test connection": one live request with the saved settings, and what came back. */
/** The product types a source is offered to: the same picker, text and limit for every source. */
function SourceProductTypes(props: {
  source: SourceId;
  options: readonly string[];
  selected: string[];
  onChange: (productTypes: string[]) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation(NS);
  return (
    <ProductTypePicker
      id={`${props.source}-types`}
      label={t("sources.types.label")}
      helpText={t("sources.types.help")}
      placeholder={t("sources.types.placeholder")}
      noneText={t("sources.types.none")}
      removeLabel={(type) => t("sources.types.remove", { type })}
      max={MAX_SIGNAL_PRODUCT_TYPES}
      options={props.options}
      selected={props.selected}
      onChange={props.onChange}
      error={props.error}
    />
  );
}

function ConnectionTester({ source, dirty }: { source: SourceId; dirty: boolean }) {
  const { t } = useTranslation(NS);
  const fetcher = useFetcher<typeof action>();
  const result = fetcher.data?.intent === "test" ? fetcher.data : undefined;
  return (
    <BlockStack gap="200">
      <InlineStack gap="200" blockAlign="center">
        <Button
          id={`test-${source}`}
          loading={fetcher.state !== "idle"}
          disabled={dirty}
          onClick={() => fetcher.submit({ intent: "test", source }, { method: "post" })}
        >
          {t("sources.test.button")}
        </Button>
        {dirty ? (
          <Text as="span" tone="subdued" variant="bodySm">
            {t("sources.test.saveFirst")}
          </Text>
        ) : null}
      </InlineStack>
      {result && fetcher.state === "idle" ? (
        <div data-testid={`test-result-${source}`}>
          {result.ok && result.result.ok ? (
            <Banner tone="success">
              <Text as="p">
                {t(`sources.test.ok.${source}`, {
                  day: result.result.sample.day,
                  value: result.result.sample.value ?? t("none"),
                })}
              </Text>
            </Banner>
          ) : (
            <Banner tone="critical">
              <Text as="p">
                {result.ok
                  ? !result.result.ok &&
                    t("sources.test.failed", { status: t(`sources.test.status.${result.result.status}`), reason: result.result.reason })
                  : t(result.errors.form === "rate_limited" ? "sources.test.rateLimited" : "errors.invalid")}
              </Text>
            </Banner>
          )}
        </div>
      ) : null}
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
