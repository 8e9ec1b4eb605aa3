import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { z } from "zod";
import { readForm, UserText } from "../api/params";
import { RAILS, type Rail } from "../billing/plans";
import { otherRail, type RailChangeRefusal } from "../billing/rail-change";
import { changeRail } from "../billing/rail-change.server";
import { accountsQuery, loadAccounts, type AccountRow, type AccountsView, type RailReview } from "../ops/accounts.server";
import { opsHeaders, opsJson, opsRedirect, requireOperator, requireOperatorForm } from "../ops/auth.server";
import { CardTitle, EmptyCard, FigureTable, Gutter, NS, useOpsFormat } from "../ops/ui";

/**
 * `/ops/accounts?q=<domain>`: billing accounts with their rail, status and plan. `&move=<account>` reviews a move to
 * the other rail (allowed, or refused with the reason); confirming it posts the form with the session's CSRF token.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const operator = requireOperator(request);
  const params = new URL(request.url).searchParams;
  // A search PostgreSQL cannot hold (a NUL) is dropped, as the list drops any bad input: all accounts are listed.
  const q = UserText.safeParse(params.get("q") ?? "");
  const view = await loadAccounts({
    query: accountsQuery(q.success ? q.data : null),
    move: params.get("move"),
    moved: params.get("moved"),
  });
  return opsJson({ ...view, csrf: operator.csrf });
};
export const headers = opsHeaders;

const MoveForm = z.object({ accountId: z.uuid(), to: z.enum(RAILS) });

type ActionData =
  | { error: "invalid" | "not_found" }
  | { error: "refused"; shopDomain: string; to: Rail; refusal: Exclude<RailChangeRefusal, { reason: "same_rail" }> };

/**
 * POST: the confirmed move, checked again under the account's lock. Moved (or already there: the same form posted
 * twice) → back to the list showing it; refused → 409 with the reason, nothing changed.
 */
export const action = async ({ request, context }: ActionFunctionArgs) => {
  // A body that is not a form is refused before the console reads it.
  if (!(await readForm(request))) return opsJson({ error: "invalid" } satisfies ActionData, { status: 400 });
  const { operator, form } = await requireOperatorForm(request);
  const parsed = MoveForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) return opsJson({ error: "invalid" } satisfies ActionData, { status: 400 });
  const { accountId, to } = parsed.data;
  const result = await changeRail(accountId, to, { operator: operator.name, ip: context.clientIp });
  if (result.outcome === "not_found") return opsJson({ error: "not_found" } satisfies ActionData, { status: 404 });
  if (result.outcome === "refused" && result.refusal.reason !== "same_rail") {
    const refused: ActionData = { error: "refused", shopDomain: result.shopDomain, to, refusal: result.refusal };
    return opsJson(refused, { status: 409 });
  }
  return opsRedirect(`/ops/accounts?${new URLSearchParams({ q: result.shopDomain, moved: accountId })}`);
};

type Data = AccountsView & { csrf: string };

const TONE = {
  trialing: "info",
  active: "success",
  past_due: "warning",
  frozen: "attention",
  read_only: "critical",
  pending: "attention",
} as const;

export default function OpsAccounts() {
  const view = useLoaderData<Data>();
  const result = useActionData<ActionData>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const listUrl = (params: Record<string, string>) => `/ops/accounts?${new URLSearchParams({ q: view.query, ...params })}`;
  const status = (row: AccountRow) =>
    row.status === null ? t("status.none") : <Badge tone={TONE[row.status as keyof typeof TONE]}>{t(`status.${row.status}`)}</Badge>;
  return (
    <Page title={t("accounts.title")} subtitle={t("accounts.subtitle", { when: format.instant(view.asOf) })}>
      <BlockStack gap="400">
        {view.moved ? (
          <Banner tone="success">
            <p data-testid="ops-accounts-moved">
              {t("accounts.moved", { shop: view.moved.shopDomain, rail: t(`rail.${view.moved.rail}`) })}
            </p>
          </Banner>
        ) : null}
        {/* A refusal after the review: the review, loaded again, already shows why. */}
        {result && !view.review ? <ActionError result={result} /> : null}
        {view.review ? <Review review={view.review} csrf={view.csrf} cancelUrl={listUrl({})} /> : null}
        <Gutter>
          {/* Keyed by the search: after a move the list shows the moved shop, and the field says so. */}
          <Search key={view.query} initial={view.query} />
        </Gutter>
        {view.rows.length === 0 ? (
          <EmptyCard
            title={t(view.query ? "accounts.empty.title" : "overview.empty.title")}
            body={view.query ? t("accounts.empty.body", { query: view.query }) : t("overview.empty.body")}
            testId="ops-accounts-empty"
          />
        ) : (
          <Card>
            <BlockStack gap="400">
              <CardTitle title={t("accounts.count", { count: view.matching })} help={t("accounts.help")} />
              {view.matching > view.rows.length ? (
                <Text as="p" tone="subdued">
                  {t("accounts.more", { shown: format.integer(view.rows.length) })}
                </Text>
              ) : null}
              <FigureTable
                testId="ops-accounts-table"
                textColumns={5}
                headings={[
                  t("accounts.columns.shop"),
                  t("accounts.columns.rail"),
                  t("accounts.columns.status"),
                  t("accounts.columns.plan"),
                  t("accounts.columns.move"),
                ]}
                rows={view.rows.map((row) => [
                  row.shopDomain,
                  t(`rail.${row.rail}`),
                  status(row),
                  row.plan ? t(`plan.${row.plan}`) : t("plan.none"),
                  <Button key="move" url={listUrl({ move: row.accountId })} accessibilityLabel={moveLabel(t, row)}>
                    {t("accounts.move", { rail: t(`rail.${otherRail(row.rail)}`) })}
                  </Button>,
                ])}
              />
            </BlockStack>
          </Card>
        )}
      </BlockStack>
    </Page>
  );
}

function Search({ initial }: { initial: string }) {
  const { t } = useTranslation(NS);
  const [query, setQuery] = useState(initial);
  return (
    <Form method="get" data-testid="ops-accounts-search">
      <InlineStack gap="200" blockAlign="end" wrap={false}>
        <div style={{ flexGrow: 1 }}>
          <TextField
            label={t("accounts.search")}
            name="q"
            value={query}
            onChange={setQuery}
            autoComplete="off"
            placeholder={t("accounts.searchPlaceholder")}
          />
        </div>
        <Button submit>{t("accounts.searchSubmit")}</Button>
      </InlineStack>
    </Form>
  );
}

const moveLabel = (t: TFunction, row: AccountRow) =>
  t("accounts.moveShop", { shop: row.shopDomain, rail: t(`rail.${otherRail(row.rail)}`) });

/** Why a move is refused, in words (`rail`: the account's rail now). */
function refusalText(t: TFunction, refusal: RailChangeRefusal, rail: Rail): string {
  if (refusal.reason !== "live_subscription") return t(`accounts.refused.${refusal.reason}`, { rail: t(`rail.${rail}`) });
  return t("accounts.refused.live_subscription", {
    provider: t(`rail.${refusal.provider ?? rail}`),
    status: t(`accounts.live.${refusal.status}`),
    plan: refusal.plan ? t(`plan.${refusal.plan}`) : t("plan.none"),
  });
}

/** The confirmation step: what the move does, and the form that makes it; or why it cannot be made now. */
function Review({ review, csrf, cancelUrl }: { review: RailReview; csrf: string; cancelUrl: string }) {
  const { t } = useTranslation(NS);
  const busy = useNavigation().state === "submitting";
  const { account, to, change } = review;
  const rail = t(`rail.${to}`);
  return (
    <Card>
      <div data-testid="ops-accounts-review">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t(change.allowed ? "accounts.review.title" : "accounts.refused.title", { shop: account.shopDomain, rail })}
          </Text>
          <Text as="p">
            {t(account.plan ? "accounts.review.current" : "accounts.review.currentNoPlan", {
              rail: t(`rail.${account.rail}`),
              status: account.status ? t(`status.${account.status}`) : t("status.none"),
              plan: account.plan ? t(`plan.${account.plan}`) : undefined,
            })}
          </Text>
          {change.allowed ? (
            <Form method="post" data-testid="ops-accounts-confirm">
              <input type="hidden" name="csrf" value={csrf} />
              <input type="hidden" name="accountId" value={account.accountId} />
              <input type="hidden" name="to" value={to} />
              <BlockStack gap="300">
                <Text as="p">{t(`accounts.review.effect.${to}`)}</Text>
                <Text as="p">{t("accounts.review.trial")}</Text>
                <Text as="p" tone="subdued">
                  {t("accounts.review.audit")}
                </Text>
                <InlineStack gap="200">
                  <Button submit variant="primary" loading={busy}>
                    {t("accounts.review.confirm", { rail })}
                  </Button>
                  <Button url={cancelUrl}>{t("accounts.review.cancel")}</Button>
                </InlineStack>
              </BlockStack>
            </Form>
          ) : (
            <BlockStack gap="300">
              <Banner tone="warning">
                <p data-testid="ops-accounts-refused">{refusalText(t, change, account.rail)}</p>
              </Banner>
              <InlineStack>
                <Button url={cancelUrl}>{t("accounts.review.back")}</Button>
              </InlineStack>
            </BlockStack>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}

/** A posted move that did not happen (the state changed since the review, or the form was not the console's). */
function ActionError({ result }: { result: ActionData }) {
  const { t } = useTranslation(NS);
  return (
    <Banner
      tone="critical"
      title={
        result.error === "refused" ? t("accounts.refused.title", { shop: result.shopDomain, rail: t(`rail.${result.to}`) }) : undefined
      }
    >
      <p data-testid="ops-accounts-error">
        {result.error === "refused" ? refusalText(t, result.refusal, otherRail(result.to)) : t(`accounts.refused.${result.error}`)}
      </p>
    </Banner>
  );
}
