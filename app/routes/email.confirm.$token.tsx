/**
 * The confirmation link emailed to an extra alert recipient. GET shows a button, POST confirms: mail
 * scanners that follow links must not confirm an address on their own. A tampered or expired token gets 400.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Page, Text } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { useTranslation } from "react-i18next";
import { checkConfirmLink, confirmByLink } from "../alerts/preferences.server";
import { StandaloneProviders } from "../components/StandaloneProviders";
import { localeFromRequest, type Locale } from "../i18n/i18n";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
export const meta: MetaFunction = () => [{ name: "robots", content: "noindex" }];

const NO_STORE = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const check = await checkConfirmLink(params.token ?? "");
  if (!check.ok) throw new Response(check.reason, { status: check.status, headers: NO_STORE });
  return Response.json({ locale: localeFromRequest(request), shopName: check.shopName, email: check.email }, { headers: NO_STORE });
}

export async function action({ params }: ActionFunctionArgs) {
  const done = await confirmByLink(params.token ?? "");
  if (!done.ok) return Response.json({ error: done.reason }, { status: done.status, headers: NO_STORE });
  return Response.json({ confirmed: true as const }, { headers: NO_STORE });
}

interface LoaderData {
  locale: Locale;
  shopName: string;
  email: string;
}

export default function ConfirmRecipient() {
  const { locale } = useLoaderData<LoaderData>();
  return (
    <StandaloneProviders locale={locale}>
      <ConfirmPage />
    </StandaloneProviders>
  );
}

function ConfirmPage() {
  const { t } = useTranslation("email");
  const { shopName, email } = useLoaderData<LoaderData>();
  const result = useActionData<{ confirmed?: true; error?: string }>();
  const busy = useNavigation().state !== "idle";
  return (
    <Page narrowWidth title={t("confirmPage.title")}>
      <BlockStack gap="400">
        {result?.confirmed && <Banner tone="success" title={t("confirmPage.done", { shop: shopName })} />}
        {result?.error && <Banner tone="critical" title={t("confirmPage.error")} />}
        <Card>
          <Form method="post">
            <BlockStack gap="300">
              <Text as="p">{t("confirmPage.intro", { shop: shopName, email })}</Text>
              <Button submit variant="primary" loading={busy} disabled={Boolean(result?.confirmed)}>
                {t("confirmPage.confirm")}
              </Button>
            </BlockStack>
          </Form>
        </Card>
      </BlockStack>
    </Page>
  );
}
