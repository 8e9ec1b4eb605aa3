/**
 * The link in every alert's footer and List-Unsubscribe header (RFC 8058), outside the admin and without
 * login: the signed token is the proof. POST `List-Unsubscribe=One-Click` (a mail client's one-click)
 * stops every email from the shop; GET shows the preference page, whose form turns single alert types
 * off and on. A tampered token gets 400 and changes nothing.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, Page, Text } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { loadPreferences, oneClickUnsubscribe, PreferencesForm, savePreferences } from "../alerts/preferences.server";
import { RECIPIENT_TOPICS, type RecipientTopic } from "../alerts/rules";
import { StandaloneProviders } from "../components/StandaloneProviders";
import { localeFromRequest, type Locale } from "../i18n/i18n";
import { readForm } from "../api/params";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
export const meta: MetaFunction = () => [{ name: "robots", content: "noindex" }];

const NO_STORE = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const locale = localeFromRequest(request);
  const preferences = await loadPreferences(params.token ?? "");
  if (!preferences.ok) throw new Response(preferences.reason, { status: preferences.status, headers: NO_STORE });
  return Response.json({ locale, preferences }, { headers: NO_STORE });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const form = await readForm(request);
  if (!form) return Response.json({ error: "invalid_form" as const }, { status: 400, headers: NO_STORE });
  if (form.get("List-Unsubscribe") === "One-Click") {
    const done = await oneClickUnsubscribe(token);
    return new Response(done.ok ? "unsubscribed" : done.reason, {
      status: done.ok ? 200 : done.status,
      headers: { ...NO_STORE, "content-type": "text/plain" },
    });
  }
  const parsed = PreferencesForm.safeParse({ subscribed: form.get("subscribed") ?? undefined, topics: form.getAll("topics") });
  if (!parsed.success) return Response.json({ error: "invalid_form" as const }, { status: 400, headers: NO_STORE });
  const saved = await savePreferences(token, parsed.data);
  if (!saved.ok) return Response.json({ error: saved.reason }, { status: saved.status, headers: NO_STORE });
  return Response.json({ saved: true as const, preferences: saved }, { headers: NO_STORE });
}

interface LoaderData {
  locale: Locale;
  preferences: { shopName: string; email: string; stoppedAll: boolean; blockedBy: "bounce" | "complaint" | null; topics: RecipientTopic[] };
}

export default function EmailPreferences() {
  const { locale } = useLoaderData<LoaderData>();
  return (
    <StandaloneProviders locale={locale}>
      <PreferencesPage />
    </StandaloneProviders>
  );
}

function PreferencesPage() {
  const { t } = useTranslation("email");
  const loaded = useLoaderData<LoaderData>();
  const result = useActionData<{ saved?: true; error?: string; preferences?: LoaderData["preferences"] }>();
  const preferences = result?.preferences ?? loaded.preferences;
  const busy = useNavigation().state !== "idle";
  const [subscribed, setSubscribed] = useState(!preferences.stoppedAll);
  const [topics, setTopics] = useState<RecipientTopic[]>(preferences.topics);
  return (
    <Page narrowWidth title={t("preferences.title")}>
      <BlockStack gap="400">
        {result?.saved && <Banner tone="success" title={t("preferences.saved")} />}
        {result?.error && <Banner tone="critical" title={t("preferences.error")} />}
        {preferences.blockedBy && <Banner tone="warning" title={t(`preferences.blocked.${preferences.blockedBy}`)} />}
        <Card>
          <Form method="post">
            <BlockStack gap="300">
              <Text as="p">{t("preferences.intro", { shop: preferences.shopName, email: preferences.email })}</Text>
              <Checkbox label={t("preferences.all")} name="subscribed" value="on" checked={subscribed} onChange={setSubscribed} />
              <Box paddingInlineStart="600">
                <BlockStack gap="100">
                  {RECIPIENT_TOPICS.map((topic) => (
                    <Checkbox
                      key={topic}
                      label={t(`preferences.topics.${topic}`)}
                      name="topics"
                      value={topic}
                      disabled={!subscribed}
                      checked={topics.includes(topic)}
                      onChange={(on) => setTopics((current) => (on ? [...current, topic] : current.filter((other) => other !== topic)))}
                    />
                  ))}
                </BlockStack>
              </Box>
              <Button submit variant="primary" loading={busy}>
                {t("preferences.save")}
              </Button>
            </BlockStack>
          </Form>
        </Card>
      </BlockStack>
    </Page>
  );
}
