import { BlockStack, Box, Card, InlineGrid, Layout, SkeletonBodyText, SkeletonDisplayText, SkeletonPage } from "@shopify/polaris";

/** What a page shows while the next page's data loads: the shape of a page, no content. */
export function PageSkeleton({ title }: { title?: string }) {
  return (
    <SkeletonPage title={title} primaryAction>
      <Layout>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            {[0, 1, 2, 3].map((key) => (
              <Card key={key}>
                <BlockStack gap="300">
                  <SkeletonBodyText lines={1} />
                  <SkeletonDisplayText size="medium" />
                </BlockStack>
              </Card>
            ))}
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <SkeletonBodyText lines={8} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

/** A chart card's shape while it loads: its title and the chart's height. */
export function ChartCardSkeleton({ height }: { height: number }) {
  return (
    <Card>
      <BlockStack gap="300">
        <SkeletonDisplayText size="small" />
        <Box minHeight={`${height}px`}>
          <SkeletonBodyText lines={8} />
        </Box>
      </BlockStack>
    </Card>
  );
}

/** An analytics page's shape while another period or filter loads: four figures, then its chart cards. */
export function MetricsPageSkeleton({ testId, charts, chartHeight }: { testId: string; charts: number; chartHeight: number }) {
  return (
    <div data-testid={testId}>
      <BlockStack gap="400">
        <InlineGrid columns={{ xs: 2, lg: 4 }} gap="400">
          {[0, 1, 2, 3].map((key) => (
            <Card key={key}>
              <BlockStack gap="300">
                <SkeletonBodyText lines={1} />
                <SkeletonDisplayText size="medium" />
                <SkeletonBodyText lines={1} />
              </BlockStack>
            </Card>
          ))}
        </InlineGrid>
        {Array.from({ length: charts }, (_, key) => (
          <ChartCardSkeleton key={key} height={chartHeight} />
        ))}
      </BlockStack>
    </div>
  );
}
