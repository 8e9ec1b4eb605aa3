import { BlockStack, Box, Card, Link, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/** One number that matters, with what it means and a link to the list behind it. */
export function MetricCard({
  title,
  value,
  description,
  href,
  linkLabel,
  testId,
  tone,
  textValue = false,
  children,
}: {
  title: string;
  value: string;
  description?: ReactNode;
  href: string;
  linkLabel: string;
  testId: string;
  tone?: "critical" | "caution" | "success";
  /** The value is words ("Up to date"), not a figure: a smaller type size. */
  textValue?: boolean;
  children?: ReactNode;
}) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant={textValue ? "headingLg" : "heading2xl"} tone={tone}>
          <span data-testid={testId}>{value}</span>
        </Text>
        {description ? (
          <Text as="p" tone="subdued">
            {description}
          </Text>
        ) : null}
        {children}
        <Box paddingBlockStart="100">
          <Link url={href} removeUnderline>
            <span data-testid={`${testId}-link`}>{linkLabel}</span>
          </Link>
        </Box>
      </BlockStack>
    </Card>
  );
}
