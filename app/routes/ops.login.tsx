import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { OPS_SECURITY_HEADERS, opsHeaders, opsLogin, opsLoginPage, type LoginPageData } from "../ops/auth.server";
import { NS } from "../ops/ui";
import { readForm } from "../api/params";

/** `/ops/login`: the operator's sign-in (CSRF-protected, rate-limited, audited: app/ops/auth.server.ts). */
export const loader = async ({ request }: LoaderFunctionArgs) => opsLoginPage(request);
export const action = async ({ request, context }: ActionFunctionArgs) => {
  // A body that is not a form is refused before the sign-in reads it.
  if (!(await readForm(request))) return new Response("Malformed form", { status: 400, headers: OPS_SECURITY_HEADERS });
  return opsLogin(request, context.clientIp);
};
export const headers = opsHeaders;

export default function OpsLogin() {
  const loaded = useLoaderData<LoginPageData>();
  const result = useActionData<LoginPageData>();
  const { csrf, next, error, retryAfterSeconds } = result ?? loaded;
  const { t } = useTranslation(NS);
  const busy = useNavigation().state === "submitting";
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  // A refused attempt leaves no password in the form.
  useEffect(() => setPassword(""), [result]);
  const message =
    error === "tooMany"
      ? t("login.tooMany", { count: Math.max(1, Math.ceil((retryAfterSeconds ?? 60) / 60)) })
      : error
        ? t(`login.${error}`)
        : null;
  return (
    <Page narrowWidth>
      <Card>
        <Form method="post" data-testid="ops-login">
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="next" value={next} />
          <FormLayout>
            <BlockStack gap="200">
              <Text as="h1" variant="headingLg">
                {t("login.title")}
              </Text>
              <Text as="p" tone="subdued">
                {t("login.intro")}
              </Text>
            </BlockStack>
            {message ? (
              <Banner tone="critical">
                <p data-testid="ops-login-error">{message}</p>
              </Banner>
            ) : null}
            <TextField label={t("login.user")} name="user" value={user} onChange={setUser} autoComplete="username" requiredIndicator />
            <TextField
              label={t("login.password")}
              name="password"
              type="password"
              value={password}
              onChange={setPassword}
              autoComplete="current-password"
              requiredIndicator
            />
            <Button submit variant="primary" loading={busy}>
              {t("login.submit")}
            </Button>
          </FormLayout>
        </Form>
      </Card>
    </Page>
  );
}
