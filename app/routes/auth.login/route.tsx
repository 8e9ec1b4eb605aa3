import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { audit } from "../../auth/audit.server";
import { auditRefusals, limitAuthAttempts } from "../../auth/guard.server";
import { StandaloneProviders } from "../../components/StandaloneProviders";
import { localeFromRequest } from "../../i18n/i18n";
import { login } from "../../shopify.server";
import { loginErrorMessage, type LoginErrorMessage } from "./error.server";
import { readForm } from "../../api/params";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const errors = loginErrorMessage(await login(request));
  return { errors, locale: localeFromRequest(request) };
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const limited = await limitAuthAttempts(context.clientIp, "/auth/login");
  if (limited) return Response.json({ errors: { shop: "tooManyAttempts" } satisfies LoginErrorMessage }, { status: 429, headers: limited });
  const form = await readForm(request);
  if (!form) return Response.json({ errors: { shop: "invalidShop" } satisfies LoginErrorMessage }, { status: 400 });
  const shop = String(form.get("shop") ?? "");
  const result = await auditRefusals(
    { event: "oauth_failed", ip: context.clientIp, shopDomain: shop, detail: { path: "/auth/login" } },
    () => login(request),
  );
  // login() throws a redirect into OAuth when the shop is valid; reaching here means it was not.
  await audit({ event: "login_attempt", outcome: "failure", ip: context.clientIp, detail: { claimedShop: shop || null } });
  return { errors: loginErrorMessage(result) };
};

export default function Auth() {
  const { locale } = useLoaderData<typeof loader>();
  return (
    <StandaloneProviders locale={locale}>
      <LoginForm />
    </StandaloneProviders>
  );
}

function LoginForm() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation();
  const [shop, setShop] = useState("");
  const { errors } = actionData || loaderData;

  return (
    <Page>
      <Card>
        <Form method="post">
          <FormLayout>
            <Text variant="headingMd" as="h2">
              {t("login.title")}
            </Text>
            <TextField
              type="text"
              name="shop"
              label={t("login.shopDomain")}
              helpText="example.myshopify.com"
              value={shop}
              onChange={setShop}
              autoComplete="on"
              error={errors.shop ? t(`login.${errors.shop}`) : undefined}
            />
            <Button submit>{t("login.submit")}</Button>
          </FormLayout>
        </Form>
      </Card>
    </Page>
  );
}

/** Keep the headers of refusals (Retry-After on 429) when Remix renders the thrown response. */
export const headers: HeadersFunction = ({ errorHeaders, loaderHeaders, actionHeaders }) => errorHeaders ?? actionHeaders ?? loaderHeaders;
