import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Card,
  ChoiceList,
  EmptyState,
  IndexFiltersMode,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Text,
  useBreakpoints,
  useSetIndexFiltersMode,
  type IndexFiltersProps,
  type IndexTableProps,
  type TabProps,
} from "@shopify/polaris";
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCsvAction } from "../components/csvAction";
import { ResponsiveIndexTable, StableIndexFilters } from "../components/IndexListLayout";
import { RiskBadge } from "../components/RiskBadge";
import { RouteError } from "../components/RouteError";
import { SkeletonBadge, SkeletonLine } from "../components/Skeleton";
import { csvRefusal } from "../dashboard/csv-response.server";
import { downloadFile } from "../dashboard/download";
import { useFormat } from "../dashboard/FormatContext";
import { requireShop } from "../dashboard/shop.server";
import {
  parseSortValue,
  queryFromSearchParams,
  searchParamsFromQuery,
  sortValue,
  updateQuery,
  type ListFilterKey,
  type SortKey,
} from "../dashboard/url-state";
import { ABC_CLASSES, RISKS, type VariantAdviceRow, type VariantListQuery } from "../forecasts/contract";
import { listFilterOptions, listVariants } from "../forecasts/read.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const query = queryFromSearchParams(new URL(request.url).searchParams);
  const [page, options, csv] = await Promise.all([listVariants(shop.id, query), listFilterOptions(shop.id), csvRefusal(shop.id)]);
  return { page, options, query, csv };
};

/** Quick views over the risk filter; the first is every variant. */
const TABS: { id: string; risk: VariantListQuery["risk"] }[] = [
  { id: "all", risk: undefined },
  { id: "out_of_stock", risk: ["out_of_stock"] },
  { id: "stockout", risk: ["stockout"] },
  { id: "reorder", risk: ["reorder"] },
  { id: "dead", risk: ["dead"] },
];

/** The table's columns; those with a sort key can be sorted on. */
const COLUMNS: { id: string; sort?: SortKey; numeric?: boolean }[] = [
  { id: "product", sort: "title" },
  { id: "risk", sort: "risk" },
  { id: "available", sort: "available", numeric: true },
  { id: "daysOfCover", sort: "daysOfCover", numeric: true },
  { id: "stockoutDate", sort: "stockoutDate" },
  { id: "reorderPoint", numeric: true },
  { id: "reorderQty", sort: "reorderQty", numeric: true },
  { id: "stockValue", sort: "stockValue", numeric: true },
];

export default function VariantsPage() {
  const { page, options, query, csv } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  const navigation = useNavigation();
  // A link to a list with filters the tabs do not show (the overview's "unusual sales") opens with its filter pills.
  const { mode, setMode } = useSetIndexFiltersMode(
    query.unusual || query.vendor || query.productType || query.abc || query.location !== "0"
      ? IndexFiltersMode.Filtering
      : IndexFiltersMode.Default,
  );
  const { smDown } = useBreakpoints();
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);
  // The list's own navigations (tab, filter, search, sort, page). While one loads, the rows give way to
  // skeleton rows and the pagination goes: the new rows then arrive as new elements, and nothing that
  // was on screen moves when they do (rows kept by key and a pagination bar pulled up from below would
  // count as layout shifts when the answer takes longer than half a second after the tap).
  const loading = navigation.state === "loading" && navigation.location.pathname === "/app/variants";
  const skeletonRows = Array.from({ length: Math.min(page.rows.length || SKELETON_ROWS, SKELETON_ROWS) }, (_, index) => index);

  const go = useCallback(
    (change: Partial<VariantListQuery>) => {
      const search = searchParamsFromQuery(updateQuery(query, change)).toString();
      navigate(search ? `?${search}` : ".", { preventScrollReset: true });
    },
    [navigate, query],
  );

  // The search field updates the URL a moment after the merchant stops typing.
  const [queryValue, setQueryValue] = useState(query.q ?? "");
  const typed = useRef(false);
  useEffect(() => {
    if (!typed.current) setQueryValue(query.q ?? "");
  }, [query.q]);
  useEffect(() => {
    if (!typed.current) return;
    const timer = setTimeout(() => {
      typed.current = false;
      if ((query.q ?? "") !== queryValue.trim()) go({ q: queryValue.trim() || undefined });
    }, 350);
    return () => clearTimeout(timer);
  }, [queryValue, query.q, go]);

  const tabs: TabProps[] = useMemo(
    () =>
      TABS.map((tab, index) => ({ id: `tab-${tab.id}`, content: t(`variants.tabs.${tab.id}`), index, isLocked: true, onAction: () => {} })),
    [t],
  );
  const selectedTab = Math.max(
    0,
    TABS.findIndex((tab) => (tab.risk ?? []).join(",") === (query.risk ?? []).join(",")),
  );

  const sortOptions: IndexFiltersProps["sortOptions"] = useMemo(
    () =>
      COLUMNS.filter((column) => column.sort).flatMap((column) => {
        const key = column.sort as SortKey;
        return [
          {
            label: t(`variants.columns.${column.id}`),
            value: sortValue(key, "asc") as `${string} asc`,
            directionLabel: t("variants.sort.asc"),
          },
          {
            label: t(`variants.columns.${column.id}`),
            value: sortValue(key, "desc") as `${string} desc`,
            directionLabel: t("variants.sort.desc"),
          },
        ];
      }),
    [t],
  );

  const listFilter = (key: ListFilterKey, label: string, choices: { label: string; value: string }[]) => ({
    key,
    label,
    filter: (
      <ChoiceList
        title={label}
        titleHidden
        allowMultiple
        choices={choices}
        selected={query[key] ?? []}
        onChange={(selected) => go({ [key]: selected.length ? selected : undefined })}
      />
    ),
    shortcut: key === "risk" || key === "vendor",
  });

  const filters: IndexFiltersProps["filters"] = [
    listFilter(
      "risk",
      t("variants.filters.risk"),
      RISKS.map((risk) => ({ label: t(`risk.${risk}`), value: risk })),
    ),
    listFilter(
      "vendor",
      t("variants.filters.vendor"),
      options.vendors.map((vendor) => ({ label: vendor || t("variants.none"), value: vendor })).filter((choice) => choice.value !== ""),
    ),
    listFilter(
      "productType",
      t("variants.filters.productType"),
      options.productTypes.map((type) => ({ label: type, value: type })).filter((choice) => choice.value !== ""),
    ),
    listFilter(
      "abc",
      t("variants.filters.abc"),
      ABC_CLASSES.map((abc) => ({ label: t(`variants.abc.${abc}`), value: abc })),
    ),
    {
      key: "unusual",
      label: t("variants.filters.unusual"),
      filter: (
        <ChoiceList
          title={t("variants.filters.unusual")}
          titleHidden
          allowMultiple
          choices={[{ label: t("variants.unusualChoice"), value: "1" }]}
          selected={query.unusual ? ["1"] : []}
          onChange={(selected) => go({ unusual: selected.includes("1") ? true : undefined })}
        />
      ),
    },
    {
      key: "location",
      label: t("variants.filters.location"),
      filter: (
        <ChoiceList
          title={t("variants.filters.location")}
          titleHidden
          choices={[
            { label: t("variants.allLocations"), value: "0" },
            ...options.locations.map((location) => ({ label: location.name, value: location.id })),
          ]}
          selected={[query.location]}
          onChange={(selected) => go({ location: selected[0] ?? "0" })}
        />
      ),
    },
  ];

  const locationName = (id: string) => options.locations.find((location) => location.id === id)?.name ?? id;
  const appliedFilters: IndexFiltersProps["appliedFilters"] = [
    ...(["risk", "vendor", "productType", "abc"] as const)
      .filter((key) => (query[key] ?? []).length > 0)
      .map((key) => ({
        key,
        label: `${t(`variants.filters.${key}`)}: ${(query[key] ?? [])
          .map((value) => (key === "risk" ? t(`risk.${value}`) : key === "abc" ? t(`variants.abc.${value}`) : value))
          .join(", ")}`,
        onRemove: () => go({ [key]: undefined }),
      })),
    ...(query.unusual ? [{ key: "unusual", label: t("variants.unusualChoice"), onRemove: () => go({ unusual: undefined }) }] : []),
    ...(query.location !== "0"
      ? [
          {
            key: "location",
            label: `${t("variants.filters.location")}: ${locationName(query.location)}`,
            onRemove: () => go({ location: "0" }),
          },
        ]
      : []),
  ];

  const sortable = COLUMNS.map((column) => column.sort !== undefined);
  const sortColumnIndex = COLUMNS.findIndex((column) => column.sort === query.sort);
  const headings = COLUMNS.map((column) => ({
    title: t(`variants.columns.${column.id}`),
    alignment: column.numeric ? ("end" as const) : undefined,
  })) as IndexTableProps["headings"];

  const pageCount = Math.max(1, Math.ceil(page.total / page.pageSize));
  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      const search = searchParamsFromQuery({ ...query, page: 1 }).toString();
      await downloadFile(`/app/variants.csv${search ? `?${search}` : ""}`, "fluxor-variants.csv");
    } catch (error) {
      console.error(error);
      setExportError(true);
    } finally {
      setExporting(false);
    }
  };

  const csvAction = useCsvAction(csv, {
    content: t("variants.exportCsv"),
    onAction: () => void exportCsv(),
    loading: exporting,
    id: "export-csv",
    primary: false,
  });

  return (
    <Page title={t("variants.title")} primaryAction={csvAction} fullWidth>
      <BlockStack gap="300">
        {exportError ? (
          <div role="alert">
            <Text as="p" tone="critical">
              {t("variants.exportFailed")}
            </Text>
          </div>
        ) : null}
        {page.asOf ? (
          <Text as="p" tone="subdued">
            {t("variants.summary", { count: page.total, formatted: format.integer(page.total), day: format.day(page.asOf) })}
          </Text>
        ) : null}
        <Card padding="0">
          <StableIndexFilters
            tabs={tabs}
            selected={selectedTab}
            onSelect={(index) => go({ risk: TABS[index]?.risk })}
            canCreateNewView={false}
            queryValue={queryValue}
            queryPlaceholder={t("variants.search")}
            onQueryChange={(value) => {
              typed.current = true;
              setQueryValue(value);
            }}
            onQueryClear={() => {
              typed.current = false;
              setQueryValue("");
              go({ q: undefined });
            }}
            sortOptions={sortOptions}
            sortSelected={[sortValue(query.sort, query.direction)]}
            onSort={(value) => {
              const parsed = parseSortValue(value[0]);
              if (parsed) go(parsed);
            }}
            filters={filters}
            appliedFilters={appliedFilters}
            onClearAll={() =>
              go({
                risk: undefined,
                vendor: undefined,
                productType: undefined,
                abc: undefined,
                unusual: undefined,
                location: "0",
                q: undefined,
              })
            }
            mode={mode}
            setMode={setMode}
            loading={loading}
          />
          <ResponsiveIndexTable phonePlaceholder={<PhoneSkeletonList count={skeletonRows.length} />}>
            <IndexTable
              resourceName={{ singular: t("variants.resource.singular"), plural: t("variants.resource.plural") }}
              itemCount={loading ? skeletonRows.length : page.rows.length}
              selectable={false}
              condensed={smDown}
              loading={loading}
              headings={headings}
              sortable={sortable}
              sortColumnIndex={sortColumnIndex >= 0 ? sortColumnIndex : undefined}
              sortDirection={query.direction === "asc" ? "ascending" : "descending"}
              defaultSortDirection="ascending"
              onSort={(index, direction) => {
                const key = COLUMNS[index]?.sort;
                if (key) go({ sort: key, direction: direction === "ascending" ? "asc" : "desc" });
              }}
              emptyState={
                <EmptyState heading={t(page.runId ? "variants.empty.title" : "variants.empty.noForecast")} image="">
                  <p>{t(page.runId ? "variants.empty.body" : "variants.empty.noForecastBody")}</p>
                </EmptyState>
              }
              pagination={
                loading
                  ? undefined
                  : {
                      hasPrevious: page.page > 1,
                      hasNext: page.page < pageCount,
                      onPrevious: () => go({ page: page.page - 1 }),
                      onNext: () => go({ page: page.page + 1 }),
                      label: t("variants.pageOf", { page: page.page, pages: pageCount }),
                    }
              }
            >
              {loading
                ? skeletonRows.map((index) =>
                    smDown ? <CompactSkeletonRow key={index} index={index} /> : <FullSkeletonRow key={index} index={index} />,
                  )
                : page.rows.map((row, index) =>
                    smDown ? (
                      <CompactRow key={rowKey(row)} row={row} index={index} />
                    ) : (
                      <FullRow key={rowKey(row)} row={row} index={index} />
                    ),
                  )}
            </IndexTable>
          </ResponsiveIndexTable>
        </Card>
      </BlockStack>
    </Page>
  );
}

/** At most this many skeleton rows: a phone's screenful and more, without a page of empty rows. */
const SKELETON_ROWS = 10;

const rowKey = (row: VariantAdviceRow) => `${row.variantId}-${row.locationId}`;
const variantHref = (row: VariantAdviceRow) =>
  `/app/variants/${row.variantId}${row.locationId !== "0" ? `?location=${row.locationId}` : ""}`;

const FullRow = memo(function FullRow({ row, index }: { row: VariantAdviceRow; index: number }) {
  const format = useFormat();
  return (
    <IndexTable.Row id={rowKey(row)} position={index}>
      <IndexTable.Cell>
        <BlockStack gap="050">
          <Link url={variantHref(row)} dataPrimaryLink monochrome removeUnderline>
            <Text as="span" fontWeight="semibold">
              <span data-testid="variant-link">{row.productTitle}</span>
            </Text>
          </Link>
          <Text as="span" tone="subdued" variant="bodySm">
            {[row.variantTitle, row.sku, row.vendor].filter(Boolean).join(" · ")}
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <RiskBadge risk={row.risk} />
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {format.integer(row.available)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {row.daysOfCover === null ? "—" : format.number(row.daysOfCover, 0)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <StockoutCell row={row} />
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {format.integer(row.reorderPoint)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric fontWeight={row.reorderQty > 0 ? "semibold" : undefined}>
          <span data-testid="reorder-qty">{format.integer(row.reorderQty)}</span>
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {format.currency(row.stockValue)}
        </Text>
      </IndexTable.Cell>
    </IndexTable.Row>
  );
});

/**
 * The projected stockout; for a row out of stock now, since when and the revenue it loses a day (what
 * ranks it in the default order).
 */
function StockoutCell({ row }: { row: VariantAdviceRow }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (!row.outOfStockSince) return <>{row.stockoutDate ? format.day(row.stockoutDate) : t("variants.noStockout")}</>;
  return (
    <BlockStack gap="050">
      <Text as="span">
        {t(row.sinceEstimated ? "variants.outOfStockSinceEstimated" : "variants.outOfStockSince", { day: format.day(row.outOfStockSince) })}
      </Text>
      <Text as="span" variant="bodySm" tone="critical">
        <span data-testid="lost-per-day">{t("variants.losing", { revenue: format.currency(row.lostRevenuePerDay) })}</span>
      </Text>
    </BlockStack>
  );
}

/** On a phone the table collapses to one block per variant with the figures that matter. */
const CompactRow = memo(function CompactRow({ row, index }: { row: VariantAdviceRow; index: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <IndexTable.Row id={rowKey(row)} position={index}>
      <Box paddingInline="300" paddingBlock="200">
        <BlockStack gap="100">
          <InlineStack align="space-between" blockAlign="start" wrap={false} gap="200">
            <Link url={variantHref(row)} dataPrimaryLink monochrome removeUnderline>
              <Text as="span" fontWeight="semibold">
                <span data-testid="variant-link">{row.productTitle}</span>
              </Text>
            </Link>
            <RiskBadge risk={row.risk} />
          </InlineStack>
          <Text as="span" tone="subdued" variant="bodySm">
            {[row.variantTitle, row.sku].filter(Boolean).join(" · ")}
          </Text>
          <Text as="span" variant="bodySm">
            {row.outOfStockSince ? (
              <span data-testid="lost-per-day">
                {t("variants.compactOutOfStock", {
                  available: format.integer(row.available),
                  day: format.day(row.outOfStockSince),
                  revenue: format.currency(row.lostRevenuePerDay),
                })}
              </span>
            ) : (
              t("variants.compact", {
                available: format.integer(row.available),
                cover: row.daysOfCover === null ? "—" : format.number(row.daysOfCover, 0),
                stockout: row.stockoutDate ? format.day(row.stockoutDate) : t("variants.noStockout"),
              })
            )}
          </Text>
          <Text as="span" variant="bodySm">
            <span data-testid="reorder-qty">
              {t("variants.compactReorder", { point: format.integer(row.reorderPoint), qty: format.integer(row.reorderQty) })}
            </span>
          </Text>
        </BlockStack>
      </Box>
    </IndexTable.Row>
  );
});

/** A FullRow's shape without data: the same text lines and badge, so the row is as tall as a real one. */
function FullSkeletonRow({ index }: { index: number }) {
  const number = (
    <Text as="span" alignment="end" numeric>
      <SkeletonLine width="2.5rem" />
    </Text>
  );
  return (
    <IndexTable.Row id={`skeleton-${index}`} position={index} disabled>
      <IndexTable.Cell>
        <BlockStack gap="050">
          <Text as="span" fontWeight="semibold">
            <SkeletonLine width="12rem" />
          </Text>
          <Text as="span" variant="bodySm">
            <SkeletonLine width="9rem" />
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <SkeletonBadge />
      </IndexTable.Cell>
      <IndexTable.Cell>{number}</IndexTable.Cell>
      <IndexTable.Cell>{number}</IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span">
          <SkeletonLine width="5.5rem" />
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>{number}</IndexTable.Cell>
      <IndexTable.Cell>{number}</IndexTable.Cell>
      <IndexTable.Cell>{number}</IndexTable.Cell>
    </IndexTable.Row>
  );
}

/** A CompactRow's shape without data (four lines and a badge). */
function CompactSkeleton() {
  return (
    <Box paddingInline="300" paddingBlock="200">
      <BlockStack gap="100">
        <InlineStack align="space-between" blockAlign="start" wrap={false} gap="200">
          <Text as="span" fontWeight="semibold">
            <SkeletonLine width="11rem" />
          </Text>
          <SkeletonBadge />
        </InlineStack>
        <Text as="span" variant="bodySm">
          <SkeletonLine width="7rem" />
        </Text>
        <Text as="span" variant="bodySm">
          <SkeletonLine width="16rem" />
        </Text>
        <Text as="span" variant="bodySm">
          <SkeletonLine width="13rem" />
        </Text>
      </BlockStack>
    </Box>
  );
}

/** The phone list before hydration: compact skeleton rows between the row borders the list will have. */
function PhoneSkeletonList({ count }: { count: number }) {
  return (
    <div aria-hidden>
      {Array.from({ length: count }, (_, index) => (
        <div
          key={index}
          style={{ borderBlockStart: index ? "var(--p-border-width-025) solid var(--p-color-border-secondary)" : undefined }}
        >
          <CompactSkeleton />
        </div>
      ))}
    </div>
  );
}

function CompactSkeletonRow({ index }: { index: number }) {
  return (
    <IndexTable.Row id={`skeleton-${index}`} position={index} disabled>
      <CompactSkeleton />
    </IndexTable.Row>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
