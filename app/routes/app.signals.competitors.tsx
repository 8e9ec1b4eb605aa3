import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  DropZone,
  EmptyState,
  InlineStack,
  Layout,
  Modal,
  Page,
  Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { readForm } from "../api/params";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { ReadOnlyBanner, ReadOnlyRefused } from "../components/ReadOnly";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import { downloadFile } from "../dashboard/download";
import { requireShop } from "../dashboard/shop.server";
import { addDays } from "../forecasting";
import {
  competitorTemplate,
  MAX_DAYS_AHEAD,
  MAX_FILE_BYTES,
  MAX_ROWS,
  parseCompetitorCsv,
  type CompetitorLineError,
} from "../signals/competitor-csv";
import {
  CompetitorsReadOnlyError,
  deleteCompetitorPrices,
  exampleSku,
  loadCompetitorsPage,
  shopSkus,
  storeCompetitorPrices,
} from "../signals/competitors.server";

const NS = "competitors";
const PATH = "/app/signals/competitors";
const TEMPLATE_NAME = "fluxor-competitor-prices-template.csv";
/** What a multipart body may add around the file (boundaries, part headers, the intent field). */
const MULTIPART_OVERHEAD = 64 * 1024;
const SIZE_TEXT = `${MAX_FILE_BYTES / (1024 * 1024)} MB`;

/** `GET /app/signals/competitors`: the stored prices' summary; `?template=1`: the CSV template (header and one example row). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  if (new URL(request.url).searchParams.get("template") === "1") {
    const text = competitorTemplate({ sku: await exampleSku(shop.id), day: shop.yesterday, currency: shop.currency });
    return new Response(text, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${TEMPLATE_NAME}"`,
        "Cache-Control": "no-store",
      },
    });
  }
  return json(await loadCompetitorsPage(shop));
};

type Intent = "upload" | "delete";
/** A refusal: a form-wide problem (an i18n key and its values) and/or the file's line errors. */
interface Refusal {
  intent: Intent;
  ok: false;
  problem: string | null;
  values?: Record<string, string | number>;
  errors: CompetitorLineError[];
  moreErrors: number;
}
type ActionData = { intent: "upload"; ok: true; stored: number } | { intent: "delete"; ok: true; deleted: number } | Refusal;

const answer = (data: ActionData, status = 200) => json(data, { status });
const refuse = (intent: Intent, status: number, problem: string, values?: Record<string, string | number>) =>
  answer({ intent, ok: false, problem, ...(values ? { values } : {}), errors: [], moreErrors: 0 }, status);
const tooLarge = () => refuse("upload", 413, "competitors:errors.tooLarge", { max: SIZE_TEXT });

/**
 * `POST /app/signals/competitors`: `intent` upload (multipart, the CSV in `file`; a text field is read the same way) or
 * delete. A file past the size limit answers 413, a file with problems 400 with every line's problems (nothing is
 * stored), read-only mode 403.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await requireShop(request);
  // Refused before reading: the body cannot hold a file within the limit.
  if (Number(request.headers.get("content-length") ?? 0) > MAX_FILE_BYTES + MULTIPART_OVERHEAD) return tooLarge();
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const intents = form.getAll("intent");
  const intent = intents.length === 1 ? intents[0] : null;
  if (intent !== "upload" && intent !== "delete") throw new Response("Unknown action", { status: 400 });
  try {
    if (intent === "delete") return answer({ intent, ok: true, deleted: await deleteCompetitorPrices(shop.id) });
    const files = form.getAll("file");
    const file = files.length === 1 ? files[0]! : null;
    if (file === null) return refuse(intent, 400, "competitors:errors.noFile");
    const size = typeof file === "string" ? new TextEncoder().encode(file).length : file.size;
    if (size > MAX_FILE_BYTES) return tooLarge();
    if (size === 0) return refuse(intent, 400, "competitors:errors.noFile");
    const text = typeof file === "string" ? file : await file.text();
    const parsed = parseCompetitorCsv(text, { skus: await shopSkus(shop.id), today: addDays(shop.yesterday, 1), currency: shop.currency });
    if (!parsed.ok) return answer({ intent, ok: false, problem: null, errors: parsed.errors, moreErrors: parsed.moreErrors }, 400);
    return answer({ intent, ok: true, stored: await storeCompetitorPrices(shop.id, parsed.rows) });
  } catch (error) {
    // Read-only mode: the buttons are disabled, but a page loaded before the shop became read-only can still post.
    if (error instanceof CompetitorsReadOnlyError) return refuse(intent, 403, READ_ONLY_REFUSED);
    throw error;
  }
};

/** The page's data (the template is a download, never the page's data); every field is JSON as it is. */
type Data = Awaited<ReturnType<typeof loadCompetitorsPage>>;

export default function CompetitorPricesPage() {
  const data = useLoaderData<typeof loader>() as unknown as Data;
  const { t } = useTranslation(NS);
  const [deleting, setDeleting] = useState(false);
  const [templateError, setTemplateError] = useState(false);
  // Set once the page is interactive: a click before hydration would do nothing.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);
  const readOnly = data.readOnly !== null;

  const template = async () => {
    setTemplateError(false);
    try {
      await downloadFile(`${PATH}?template=1`, TEMPLATE_NAME);
    } catch (error) {
      console.error(error);
      setTemplateError(true);
    }
  };

  return (
    <Page
      title={t("title")}
      subtitle={t("subtitle")}
      backAction={{ content: t("back"), url: "/app/signals" }}
      secondaryActions={[
        { content: t("template"), onAction: () => void template(), id: "competitor-template" },
        ...(data.summary
          ? [
              {
                content: t("delete.button"),
                destructive: true,
                disabled: readOnly,
                onAction: () => setDeleting(true),
                id: "competitor-delete",
              },
            ]
          : []),
      ]}
    >
      <span hidden data-testid="competitors-interactive" data-interactive={interactive ? "yes" : "no"} />
      <Layout>
        {data.readOnly ? (
          <Layout.Section>
            <ReadOnlyBanner reason={data.readOnly} />
          </Layout.Section>
        ) : null}
        {templateError ? (
          <Layout.Section>
            <Banner tone="critical" onDismiss={() => setTemplateError(false)}>
              {t("templateFailed")}
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <UploadCard disabled={readOnly} />
        </Layout.Section>
        <Layout.Section>{data.summary ? <SummaryCard summary={data.summary} /> : <EmptyPrices />}</Layout.Section>
      </Layout>
      <DeleteModal open={deleting} count={data.summary?.prices ?? 0} onClose={() => setDeleting(false)} />
    </Page>
  );
}

function EmptyPrices() {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid="competitors-empty">
        <EmptyState heading={t("empty.title")} image="">
          <p>{t("empty.body")}</p>
        </EmptyState>
      </div>
    </Card>
  );
}

/** The drop zone, the upload button and, after a refused file, its problems line by line. */
function UploadCard({ disabled }: { disabled: boolean }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const shopify = useAppBridge();
  const upload = useFetcher<typeof action>();
  const [file, setFile] = useState<File | null>(null);
  const [localProblem, setLocalProblem] = useState<string | null>(null);
  const answered = upload.state === "idle" ? upload.data : undefined;

  useEffect(() => {
    if (!answered) return;
    if (answered.ok && answered.intent === "upload") {
      shopify.toast.show(t("toast.uploaded", { count: answered.stored }));
      setFile(null);
    }
    // Only a new answer acts; t is rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answered, shopify]);

  const choose = (files: File[]) => {
    const chosen = files[0] ?? null;
    // A file past the limit is refused here: the server would refuse it too, after the upload.
    setLocalProblem(chosen && chosen.size > MAX_FILE_BYTES ? t("errors.tooLarge", { max: SIZE_TEXT }) : null);
    setFile(chosen && chosen.size <= MAX_FILE_BYTES ? chosen : null);
  };
  const submit = () => {
    if (!file) return;
    const body = new FormData();
    body.set("intent", "upload");
    body.set("file", file);
    upload.submit(body, { method: "post", action: PATH, encType: "multipart/form-data" });
  };
  const refused = answered && !answered.ok ? answered : null;

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {t("upload.heading")}
        </Text>
        <Text as="p">{t("intro")}</Text>
        <Text as="p" tone="subdued">
          {t("rules", { rows: format.integer(MAX_ROWS), size: SIZE_TEXT, days: MAX_DAYS_AHEAD })}
        </Text>
        {localProblem ? (
          <Banner tone="critical" onDismiss={() => setLocalProblem(null)}>
            {localProblem}
          </Banner>
        ) : null}
        {refused ? <Problems refusal={refused} /> : null}
        <div data-testid="competitor-dropzone">
          <DropZone
            accept=".csv,text/csv"
            type="file"
            allowMultiple={false}
            disabled={disabled}
            onDrop={(_all, accepted) => choose(accepted)}
            label={t("upload.heading")}
            labelHidden
            id="competitor-file"
          >
            {file ? (
              <div style={{ padding: "var(--p-space-400)", textAlign: "center" }}>
                <Text as="p" fontWeight="semibold">
                  {t("upload.selected", { name: file.name, size: `${format.number(file.size / 1024, 1)} KB` })}
                </Text>
              </div>
            ) : (
              <DropZone.FileUpload actionTitle={t("upload.choose")} actionHint={t("upload.drop")} />
            )}
          </DropZone>
        </div>
        <InlineStack align="end">
          <Button variant="primary" onClick={submit} disabled={disabled || !file} loading={upload.state !== "idle"} id="competitor-upload">
            {t("upload.submit")}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

/** Why a file was refused: a banner, and every problem found (line, column, message) in a table. */
function Problems({ refusal }: { refusal: Refusal }) {
  const { t } = useTranslation(NS);
  if (refusal.problem === READ_ONLY_REFUSED) return <ReadOnlyRefused />;
  const total = refusal.errors.length + refusal.moreErrors;
  return (
    <div data-testid="competitor-problems">
      <BlockStack gap="200">
        <Banner tone="critical" title={t("problems.title")}>
          <Text as="p">{refusal.problem ? t(refusal.problem, refusal.values ?? {}) : t("problems.count", { count: total })}</Text>
        </Banner>
        {refusal.errors.length > 0 ? (
          <DataTable
            columnContentTypes={["numeric", "text", "text"]}
            headings={[t("problems.line"), t("problems.column"), t("problems.message")]}
            rows={refusal.errors.map((error) => [error.line, error.column ?? t("problems.wholeLine"), t(error.key, error.values ?? {})])}
            footerContent={refusal.moreErrors > 0 ? t("problems.more", { count: refusal.moreErrors }) : undefined}
          />
        ) : null}
      </BlockStack>
    </div>
  );
}

function SummaryCard({ summary }: { summary: NonNullable<Data["summary"]> }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const names = summary.competitors.map((name) => (name === "" ? t("summary.unnamed") : name)).join(", ");
  const hidden = summary.competitorCount - summary.competitors.length;
  const rows: [string, string][] = [
    [t("summary.prices"), format.integer(summary.prices)],
    [t("summary.skus"), format.integer(summary.skus)],
    [t("summary.competitors"), hidden > 0 ? t("summary.more", { names, count: hidden }) : names],
    [t("summary.range"), t("summary.rangeValue", { from: format.day(summary.from), to: format.day(summary.to) })],
    [t("summary.lastUpload"), format.instant(summary.lastUpload)],
  ];
  return (
    <Card>
      <div data-testid="competitor-summary">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("summary.heading")}
          </Text>
          <DataTable columnContentTypes={["text", "text"]} headings={[]} rows={rows} />
        </BlockStack>
      </div>
    </Card>
  );
}

/** Asks before deleting every price; a toast says when it is done. */
function DeleteModal({ open, count, onClose }: { open: boolean; count: number; onClose: () => void }) {
  const { t } = useTranslation(NS);
  const shopify = useAppBridge();
  const remove = useFetcher<typeof action>();
  const answered = remove.state === "idle" ? remove.data : undefined;
  useEffect(() => {
    if (!answered) return;
    if (answered.ok) shopify.toast.show(t("toast.deleted"));
    else shopify.toast.show(t(answered.problem === READ_ONLY_REFUSED ? READ_ONLY_REFUSED : "toast.failed"), { isError: true });
    onClose();
    // Only a new answer acts; the callbacks are rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answered, shopify]);
  return (
    <Modal
      open={open}
      onClose={onClose}
      title={t("delete.title")}
      primaryAction={{
        content: t("delete.confirm"),
        destructive: true,
        loading: remove.state !== "idle",
        id: "competitor-delete-confirm",
        onAction: () => remove.submit({ intent: "delete" }, { method: "post", action: PATH }),
      }}
      secondaryActions={[{ content: t("delete.cancel"), onAction: onClose, id: "competitor-delete-cancel" }]}
    >
      <Modal.Section>
        <Text as="p">{t("delete.body", { count })}</Text>
      </Modal.Section>
    </Modal>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
