import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  ChoiceList,
  Combobox,
  EmptyState,
  FormLayout,
  InlineStack,
  Layout,
  Listbox,
  Modal,
  Page,
  ResourceItem,
  ResourceList,
  Tag,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { readForm, UserText } from "../api/params";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { ProductTypePicker } from "../components/ProductTypePicker";
import { ReadOnlyBanner, ReadOnlyRefused } from "../components/ReadOnly";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import { requireShop } from "../dashboard/shop.server";
import type { Shop } from "../shops/lookup.server";
import {
  campaignFormValues,
  campaignStatus,
  MAX_TARGETS,
  parseCampaignForm,
  TARGET_KINDS,
  TITLE_MAX,
  type CampaignErrors,
  type CampaignFormValues,
  type CampaignStatus,
  type TargetKind,
} from "../signals/campaigns";
import {
  createCampaign,
  CampaignsReadOnlyError,
  deleteCampaign,
  loadCampaignsPage,
  shopToday,
  updateCampaign,
  type Campaign,
} from "../signals/campaigns.server";

const NS = "signals";
const PATH = "/app/campaigns";
/** What the product search may be: text of up to 100 characters. */
const SearchQuery = UserText.max(100);
const CampaignId = z.uuid();

/** `GET /app/campaigns[?q=…]`: the shop's campaigns; `q` searches its products for the form's product picker. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const q = new URL(request.url).searchParams.get("q");
  const search = q === null ? null : SearchQuery.safeParse(q);
  if (search && !search.success) throw new Response("Invalid search", { status: 400 });
  return loadCampaignsPage(shop, search ? search.data : null);
};

type Intent = "create" | "update" | "delete";
type ActionData = { intent: Intent; ok: true } | { intent: Intent; ok: false; errors: CampaignErrors };

const answer = (data: ActionData, status = 200) => json(data, { status });
const NOT_FOUND: CampaignErrors = { form: "signals:campaigns.errors.form.notFound" };

/** One value of a field sent once; anything else (absent, repeated, a file) is null. */
function single(form: FormData, name: string): string | null {
  const values = form.getAll(name);
  return values.length === 1 && typeof values[0] === "string" ? values[0] : null;
}

/**
 * `POST /app/campaigns`: `intent` create, update (with `id`) or delete (with `id`). Bad fields answer 400 with the
 * field errors, another shop's (or no) campaign 404, read-only mode 403; nothing changes then.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await requireShop(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const intent = single(form, "intent");
  if (intent !== "create" && intent !== "update" && intent !== "delete") throw new Response("Unknown action", { status: 400 });
  try {
    if (intent === "create") return await save(shop, intent, form, null);
    const id = CampaignId.safeParse(single(form, "id"));
    if (!id.success) return answer({ intent, ok: false, errors: NOT_FOUND }, 404);
    if (intent === "update") return await save(shop, intent, form, id.data);
    const deleted = await deleteCampaign(shop.id, id.data);
    return deleted ? answer({ intent, ok: true }) : answer({ intent, ok: false, errors: NOT_FOUND }, 404);
  } catch (error) {
    // Read-only mode: the buttons are disabled, but a page loaded before the shop became read-only can still post.
    if (error instanceof CampaignsReadOnlyError) return answer({ intent, ok: false, errors: { form: READ_ONLY_REFUSED } }, 403);
    throw error;
  }
};

async function save(shop: Shop, intent: Intent, form: FormData, id: string | null) {
  const parsed = parseCampaignForm(form, shopToday(shop));
  if (!parsed.ok) return answer({ intent, ok: false, errors: parsed.errors }, 400);
  const saved = id === null ? await createCampaign(shop.id, parsed.campaign) : await updateCampaign(shop.id, id, parsed.campaign);
  if (saved.ok) return answer({ intent, ok: true });
  return "notFound" in saved
    ? answer({ intent, ok: false, errors: NOT_FOUND }, 404)
    : answer({ intent, ok: false, errors: saved.errors }, 400);
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

/** Which form is open: none, a new campaign, or the campaign with this id. */
type Editing = null | { id: string | null };

export default function CampaignsPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation(NS);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<Campaign | null>(null);
  const readOnly = data.readOnly !== null;
  const editedCampaign = editing?.id ? (data.campaigns.find((c) => c.id === editing.id) ?? null) : null;
  // A campaign gone meanwhile (deleted in another window) has no form to edit.
  const formOpen = editing !== null && (editing.id === null || editedCampaign !== null);
  const startNew = () => setEditing({ id: null });
  // Set once the page is interactive: a click before hydration would do nothing.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);

  return (
    <Page
      title={t("campaigns.title")}
      subtitle={t("campaigns.subtitle")}
      primaryAction={{ content: t("campaigns.new"), onAction: startNew, disabled: readOnly || formOpen, id: "new-campaign" }}
    >
      <span hidden data-testid="campaigns-interactive" data-interactive={interactive ? "yes" : "no"} />
      <Layout>
        {data.readOnly ? (
          <Layout.Section>
            <ReadOnlyBanner reason={data.readOnly} />
          </Layout.Section>
        ) : null}
        {formOpen ? (
          <Layout.Section>
            <CampaignForm key={editing?.id ?? "new"} data={data} campaign={editedCampaign} onDone={() => setEditing(null)} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {data.campaigns.length === 0 ? (
            <EmptyCampaigns onStart={startNew} disabled={readOnly || formOpen} />
          ) : (
            <CampaignList data={data} onEdit={(c) => setEditing({ id: c.id })} onDelete={setDeleting} disabled={readOnly} />
          )}
        </Layout.Section>
      </Layout>
      <DeleteModal
        campaign={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(id) => {
          if (editing?.id === id) setEditing(null);
        }}
      />
    </Page>
  );
}

function EmptyCampaigns({ onStart, disabled }: { onStart: () => void; disabled: boolean }) {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid="campaigns-empty">
        <EmptyState
          heading={t("campaigns.empty.title")}
          action={{ content: t("campaigns.empty.action"), onAction: onStart, disabled }}
          image=""
        >
          <p>{t("campaigns.empty.body")}</p>
        </EmptyState>
      </div>
    </Card>
  );
}

const STATUS_TONE: Record<CampaignStatus, "info" | "success" | undefined> = { upcoming: "info", running: "success", past: undefined };

/** "All products", "3 products: A, B, C and 1 more", "Product types: Mugs". */
function useTargetText(productTitles: Record<string, string>) {
  const { t } = useTranslation(NS);
  return (campaign: Campaign) => {
    const { target } = campaign;
    if (target.kind === "all") return t("campaigns.targets.all");
    const names = target.kind === "products" ? target.productIds.map((id) => productTitles[id] ?? id) : target.productTypes;
    const shown = names.slice(0, 3).join(", ");
    const list = names.length > 3 ? t("campaigns.targets.more", { names: shown, count: names.length - 3 }) : shown;
    return t(target.kind === "products" ? "campaigns.targets.products" : "campaigns.targets.productTypes", {
      count: names.length,
      names: list,
    });
  };
}

function CampaignList({
  data,
  onEdit,
  onDelete,
  disabled,
}: {
  data: Data;
  onEdit: (campaign: Campaign) => void;
  onDelete: (campaign: Campaign) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const targetText = useTargetText(data.productTitles);
  const percent = (value: number) => format.percent(value / 100, 1);
  return (
    <Card padding="0">
      <div data-testid="campaign-list">
        <ResourceList
          resourceName={{ singular: t("campaigns.list.resource.singular"), plural: t("campaigns.list.resource.plural") }}
          items={data.campaigns}
          renderItem={(campaign) => {
            const status = campaignStatus(campaign, data.today);
            const uplift = campaign.expectedUpliftPct;
            return (
              <ResourceItem
                id={campaign.id}
                onClick={() => {
                  if (!disabled) onEdit(campaign);
                }}
                accessibilityLabel={campaign.title}
                persistActions
                shortcutActions={[
                  {
                    content: t("campaigns.list.edit"),
                    onAction: () => onEdit(campaign),
                    disabled,
                    accessibilityLabel: t("campaigns.list.editFor", { title: campaign.title }),
                  },
                  {
                    content: t("campaigns.list.delete"),
                    onAction: () => onDelete(campaign),
                    disabled,
                    accessibilityLabel: t("campaigns.list.deleteFor", { title: campaign.title }),
                  },
                ]}
              >
                <div data-testid="campaign-row" data-campaign-id={campaign.id}>
                  <BlockStack gap="100">
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="h3" variant="headingSm">
                        {campaign.title}
                      </Text>
                      <Badge tone={STATUS_TONE[status]}>{t(`campaigns.status.${status}`)}</Badge>
                    </InlineStack>
                    <Text as="p" tone="subdued">
                      {t("campaigns.list.dates", { from: format.day(campaign.startDay), to: format.day(campaign.endDay) })}
                      {" · "}
                      {targetText(campaign)}
                    </Text>
                    <Text as="p" tone="subdued">
                      {t("campaigns.list.columns.depth")}:{" "}
                      {campaign.percentOff === null ? t("campaigns.list.none") : percent(campaign.percentOff)}
                      {" · "}
                      {t("campaigns.list.columns.uplift")}:{" "}
                      {uplift === null ? t("campaigns.uplift.measured") : `${uplift > 0 ? "+" : ""}${percent(uplift)}`}
                    </Text>
                  </BlockStack>
                </div>
              </ResourceItem>
            );
          }}
        />
      </div>
    </Card>
  );
}

/** The create or edit form. Closes itself (and says so with a toast) once saved. */
function CampaignForm({ data, campaign, onDone }: { data: Data; campaign: Campaign | null; onDone: () => void }) {
  const { t } = useTranslation(NS);
  const shopify = useAppBridge();
  const save = useFetcher<typeof action>();
  const [values, setValues] = useState<CampaignFormValues>(() => campaignFormValues(campaign, data.today));
  const [titles, setTitles] = useState<Record<string, string>>(data.productTitles);
  const answered = save.state === "idle" ? save.data : undefined;
  const errors: CampaignErrors = answered && !answered.ok ? answered.errors : {};
  const error = (field: keyof CampaignErrors) => (errors[field] ? t(errors[field]) : undefined);
  const hasErrors = Object.keys(errors).length > 0;
  const banner = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!answered) return;
    if (answered.ok) {
      shopify.toast.show(t(answered.intent === "create" ? "campaigns.toast.created" : "campaigns.toast.updated"));
      onDone();
    } else banner.current?.scrollIntoView({ block: "start" });
    // Only a new answer acts; onDone and t are rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answered, shopify]);

  const set =
    <K extends keyof CampaignFormValues>(name: K) =>
    (value: CampaignFormValues[K]) =>
      setValues((current) => ({ ...current, [name]: value }));

  return (
    <Card>
      <save.Form method="post" action={PATH} noValidate>
        <input type="hidden" name="intent" value={campaign ? "update" : "create"} />
        {campaign ? <input type="hidden" name="id" value={campaign.id} /> : null}
        <input type="hidden" name="target" value={values.target} />
        {values.target === "products" ? values.productIds.map((id) => <input key={id} type="hidden" name="productIds" value={id} />) : null}
        {values.target === "productTypes"
          ? values.productTypes.map((type) => <input key={type} type="hidden" name="productTypes" value={type} />)
          : null}
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            {t(campaign ? "campaigns.form.editTitle" : "campaigns.form.createTitle")}
          </Text>
          {hasErrors ? (
            <div ref={banner} data-testid="campaign-errors">
              {errors.form === READ_ONLY_REFUSED ? (
                <ReadOnlyRefused />
              ) : (
                <Banner tone="critical" title={t("campaigns.form.errorsBanner")}>
                  {errors.form ? <Text as="p">{t(errors.form)}</Text> : null}
                </Banner>
              )}
            </div>
          ) : null}
          <FormLayout>
            <TextField
              id="campaign-title"
              name="title"
              label={t("campaigns.form.title.label")}
              helpText={t("campaigns.form.title.help")}
              value={values.title}
              onChange={set("title")}
              error={error("title")}
              maxLength={TITLE_MAX}
              showCharacterCount
              autoComplete="off"
            />
            <FormLayout.Group>
              <TextField
                id="campaign-start"
                name="startDay"
                type="date"
                label={t("campaigns.form.startDay.label")}
                value={values.startDay}
                onChange={set("startDay")}
                error={error("startDay")}
                autoComplete="off"
              />
              <TextField
                id="campaign-end"
                name="endDay"
                type="date"
                label={t("campaigns.form.endDay.label")}
                helpText={t("campaigns.form.endDay.help")}
                value={values.endDay}
                onChange={set("endDay")}
                error={error("endDay")}
                autoComplete="off"
              />
            </FormLayout.Group>
            <Text as="p" tone="subdued">
              {t("campaigns.intro", { timeZone: data.timeZone })}
            </Text>
            <ChoiceList
              title={t("campaigns.form.target.label")}
              choices={TARGET_KINDS.map((kind) => ({ value: kind, label: t(`campaigns.form.target.${kind}`) }))}
              selected={[values.target]}
              onChange={([kind]) => {
                const found = TARGET_KINDS.find((k) => k === kind);
                if (found) set("target")(found as TargetKind);
              }}
              error={error("target")}
            />
            {values.target === "products" ? (
              <ProductPicker
                selected={values.productIds}
                titles={titles}
                onChange={(ids, picked) => {
                  setTitles((current) => ({ ...current, ...picked }));
                  set("productIds")(ids);
                }}
                error={error("productIds")}
              />
            ) : null}
            {values.target === "productTypes" ? (
              <ProductTypePicker
                id="campaign-product-types"
                label={t("campaigns.form.productTypes.label")}
                placeholder={t("campaigns.form.productTypes.placeholder")}
                noneText={t("campaigns.form.productTypes.none")}
                removeLabel={(name) => t("campaigns.form.productTypes.remove", { name })}
                options={data.productTypes}
                selected={values.productTypes}
                onChange={set("productTypes")}
                error={error("productTypes")}
              />
            ) : null}
            <FormLayout.Group>
              <TextField
                id="campaign-percent-off"
                name="percentOff"
                type="number"
                inputMode="decimal"
                label={t("campaigns.form.percentOff.label")}
                helpText={t("campaigns.form.percentOff.help")}
                suffix="%"
                min={0}
                max={100}
                value={values.percentOff}
                onChange={set("percentOff")}
                error={error("percentOff")}
                autoComplete="off"
              />
              <TextField
                id="campaign-uplift"
                name="expectedUpliftPct"
                type="number"
                inputMode="decimal"
                label={t("campaigns.form.uplift.label")}
                helpText={t("campaigns.form.uplift.help")}
                suffix="%"
                min={-90}
                max={500}
                value={values.expectedUpliftPct}
                onChange={set("expectedUpliftPct")}
                error={error("expectedUpliftPct")}
                autoComplete="off"
              />
            </FormLayout.Group>
            <InlineStack align="end" gap="200">
              <Button onClick={onDone} id="campaign-cancel">
                {t("campaigns.form.cancel")}
              </Button>
              <Button submit variant="primary" loading={save.state !== "idle"} disabled={data.readOnly !== null} id="campaign-save">
                {t(campaign ? "campaigns.form.save" : "campaigns.form.create")}
              </Button>
            </InlineStack>
          </FormLayout>
        </BlockStack>
      </save.Form>
    </Card>
  );
}

/** How long typing pauses before the product search asks the server. */
const SEARCH_DELAY_MS = 250;

/** Chosen products as tags, and a combobox searching the shop's products (the loader's `?q=`). */
function ProductPicker({
  selected,
  titles,
  onChange,
  error,
}: {
  selected: string[];
  titles: Record<string, string>;
  onChange: (ids: string[], picked: Record<string, string>) => void;
  error?: string;
}) {
  const { t } = useTranslation(NS);
  const search = useFetcher<typeof loader>();
  const [query, setQuery] = useState("");
  const { load } = search;
  useEffect(() => {
    const needle = query.trim();
    if (needle === "") return;
    const timer = setTimeout(() => load(`${PATH}?q=${encodeURIComponent(needle)}`), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, load]);
  const found = (query.trim() !== "" && search.data?.found) || [];
  const searching = search.state !== "idle";
  const toggle = (id: string) => {
    const product = found.find((p) => p.id === id);
    if (selected.includes(id))
      onChange(
        selected.filter((value) => value !== id),
        {},
      );
    else if (selected.length < MAX_TARGETS) onChange([...selected, id], product ? { [id]: product.title } : {});
  };
  return (
    <BlockStack gap="200">
      <Combobox
        allowMultiple
        activator={
          <Combobox.TextField
            id="campaign-products"
            label={t("campaigns.form.products.label")}
            helpText={t("campaigns.form.products.help", { max: MAX_TARGETS })}
            placeholder={t("campaigns.form.products.placeholder")}
            value={query}
            onChange={setQuery}
            error={error}
            autoComplete="off"
          />
        }
      >
        {query.trim() === "" ? null : (
          <Listbox onSelect={toggle} accessibilityLabel={t("campaigns.form.products.label")}>
            {found.map((product) => (
              <Listbox.Option
                key={product.id}
                value={product.id}
                selected={selected.includes(product.id)}
                accessibilityLabel={product.title}
              >
                {product.title}
              </Listbox.Option>
            ))}
            {searching ? <Listbox.Loading accessibilityLabel={t("campaigns.form.products.searching")} /> : null}
            {!searching && found.length === 0 ? <Listbox.Header>{t("campaigns.form.products.none")}</Listbox.Header> : null}
          </Listbox>
        )}
      </Combobox>
      {selected.length > 0 ? (
        <InlineStack gap="100">
          {selected.map((id) => (
            <Tag
              key={id}
              onRemove={() =>
                onChange(
                  selected.filter((value) => value !== id),
                  {},
                )
              }
              accessibilityLabel={t("campaigns.form.products.remove", { name: titles[id] ?? id })}
            >
              {titles[id] ?? id}
            </Tag>
          ))}
        </InlineStack>
      ) : null}
    </BlockStack>
  );
}

/** Asks before deleting; a toast says when it is done (or that the campaign was already gone). */
function DeleteModal({
  campaign,
  onClose,
  onDeleted,
}: {
  campaign: Campaign | null;
  onClose: () => void;
  onDeleted: (id: string) => void;
}) {
  const { t } = useTranslation(NS);
  const shopify = useAppBridge();
  const remove = useFetcher<typeof action>();
  const answered = remove.state === "idle" ? remove.data : undefined;
  useEffect(() => {
    if (!answered || !campaign) return;
    const refused = answered.ok ? null : answered.errors.form;
    if (answered.ok) shopify.toast.show(t("campaigns.toast.deleted"));
    else shopify.toast.show(t(refused === READ_ONLY_REFUSED ? READ_ONLY_REFUSED : "campaigns.toast.notFound"), { isError: true });
    onDeleted(campaign.id);
    onClose();
    // Only a new answer acts; the callbacks are rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answered, shopify]);
  return (
    <Modal
      open={campaign !== null}
      onClose={onClose}
      title={campaign ? t("campaigns.delete.title", { title: campaign.title }) : ""}
      primaryAction={{
        content: t("campaigns.delete.confirm"),
        destructive: true,
        loading: remove.state !== "idle",
        id: "campaign-delete-confirm",
        onAction: () => {
          if (campaign) remove.submit({ intent: "delete", id: campaign.id }, { method: "post", action: PATH });
        },
      }}
      secondaryActions={[{ content: t("campaigns.delete.cancel"), onAction: onClose, id: "campaign-delete-cancel" }]}
    >
      <Modal.Section>
        <Text as="p">{t("campaigns.delete.body")}</Text>
      </Modal.Section>
    </Modal>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
