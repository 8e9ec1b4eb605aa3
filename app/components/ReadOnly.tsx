import { Banner, BlockStack, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { READ_ONLY_REFUSED, type AccessReason } from "../billing/dunning";

/**
 * Read-only mode (decision 0044) on a page whose changes it stops: why, what still works, and the way back
 * (Billing). The page disables its save buttons beside it; the billing page tells the whole story.
 */
export function ReadOnlyBanner({ reason }: { reason: AccessReason }) {
  const { t } = useTranslation("billing");
  return (
    <div data-testid="read-only-banner">
      <Banner tone="warning" title={t("readOnly.title")} action={{ content: t("readOnly.action"), url: "/app/billing" }}>
        <BlockStack gap="100">
          <Text as="p">{t(`readOnly.reasons.${reason}`)}</Text>
          <Text as="p">{t("readOnly.body")}</Text>
        </BlockStack>
      </Banner>
    </div>
  );
}

/** A save refused in read-only mode (the shop became read-only after the page loaded): nothing was saved. */
export function ReadOnlyRefused() {
  const { t } = useTranslation("billing");
  return (
    <div data-testid="read-only-refused">
      <Banner tone="critical" action={{ content: t("readOnly.action"), url: "/app/billing" }}>
        <Text as="p">{t(READ_ONLY_REFUSED)}</Text>
      </Banner>
    </div>
  );
}
