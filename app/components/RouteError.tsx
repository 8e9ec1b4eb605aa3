import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Button, Card, BlockStack, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";

/**
 * The error boundary of every page under /app: says what happened in the merchant's language and
 * offers a way out, while the app frame (navigation, App Bridge) stays usable.
 */
export function RouteError() {
  const error = useRouteError();
  const { t } = useTranslation();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  if (!isRouteErrorResponse(error)) console.error(error);
  return (
    <Page narrowWidth>
      <Card>
        <BlockStack gap="400">
          <Text as="h1" variant="headingLg">
            {t("errors.title")}
          </Text>
          <Text as="p">{notFound ? t("errors.notFound") : t("errors.body")}</Text>
          <div>
            <Button url="/app" variant="primary">
              {t("errors.back")}
            </Button>
          </div>
        </BlockStack>
      </Card>
    </Page>
  );
}
