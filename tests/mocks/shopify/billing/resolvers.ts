/**
 * Resolvers for the Billing API (billing/sdl.ts). They read and change the shop's ShopBilling, found
 * through the hosted shop the request is for (`bindBilling` in billing/index.ts). No access scope is
 * needed: any app may bill the shops that installed it.
 */
import { GraphQLError } from "graphql";
import { arrayConnection, type ConnectionArgs } from "../graphql/connection";
import { parseGid, type AdminContext, type HostedShop } from "../graphql/context";
import type { Resolver } from "../graphql/schema";
import {
  decimal,
  priceAfterDiscount,
  remainingDiscountIntervals,
  type CreateInput,
  type LineRecord,
  type RecurringLine,
  type ShopBilling,
  type SubscriptionRecord,
  type UsageRecordEntry,
} from "./model";

/** Typed resolver (a local copy of schema.ts's helper: schema.ts imports this module). */
function f<TSource, TArgs = Record<string, never>>(resolve: (source: TSource, args: TArgs, context: AdminContext) => unknown): Resolver {
  return (source, args, context) => resolve(source as TSource, args as TArgs, context);
}

/** What the resolvers need for one shop: its billing state and the approval-page URLs. */
export interface BillingBinding {
  model: ShopBilling;
  confirmationUrl(subscriptionId: number): string;
  capConfirmationUrl(subscriptionId: number, requestId: number): string;
  launchUrl(): string;
}

const bindings = new WeakMap<HostedShop, BillingBinding>();

export function bindBilling(shop: HostedShop, binding: BillingBinding): void {
  bindings.set(shop, binding);
}

function binding(context: AdminContext): BillingBinding {
  const found = bindings.get(context.shop);
  if (!found) throw new GraphQLError("Billing is not available for this shop", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
  return found;
}

function model(context: AdminContext): ShopBilling {
  const billing = binding(context).model;
  billing.tick();
  return billing;
}

interface LineSource {
  subscription: SubscriptionRecord;
  line: LineRecord;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const money = (amount: number, currencyCode: string) => ({ amount: decimal(amount), currencyCode });
export const subscriptionGid = (id: number) => `gid://shopify/AppSubscription/${id}`;
export const lineGid = (subscriptionId: number, index: number) =>
  `gid://shopify/AppSubscriptionLineItem/${subscriptionId}?v=1&index=${index}`;
const tagged = <T extends object>(type: string, value: T | undefined | null) => (value ? { ...value, __typename: type } : null);

function subscriptionId(id: string): number {
  const parsed = parseGid(id);
  return parsed?.type === "AppSubscription" ? parsed.id : -1;
}

/** `node(id:)` for the billing types (schema.ts asks here for types it does not know). */
export function billingNode(context: AdminContext, type: string, id: number, rawId: string): unknown {
  const found = bindings.get(context.shop);
  if (!found) return null;
  found.model.tick();
  switch (type) {
    case "AppSubscription":
      return tagged("AppSubscription", found.model.get(id));
    case "AppUsageRecord":
      return tagged("AppUsageRecord", found.model.usageRecord(id));
    case "AppInstallation":
      return rawId === installationGid(context) ? { __typename: "AppInstallation" } : null;
    default:
      return null;
  }
}

const installationGid = (context: AdminContext) => `gid://shopify/AppInstallation/${context.shop.state.store.info.shopId}`;

export const BILLING_RESOLVERS: Record<string, Record<string, Resolver>> = {
  Query: {
    currentAppInstallation: f((_s, _a, context) => {
      model(context);
      return {};
    }),
  },

  Mutation: {
    appSubscriptionCreate: f<unknown, CreateInput>((_s, args, context) => {
      const bound = binding(context);
      const { subscription, userErrors } = bound.model.create(args);
      return {
        appSubscription: subscription,
        confirmationUrl: subscription ? bound.confirmationUrl(subscription.id) : null,
        userErrors,
      };
    }),
    appSubscriptionCancel: f<unknown, { id: string; prorate?: boolean | null }>((_s, args, context) => {
      const { subscription, userErrors } = model(context).cancel(subscriptionId(args.id), Boolean(args.prorate));
      return { appSubscription: subscription, userErrors };
    }),
    appSubscriptionLineItemUpdate: f<unknown, { id: string; cappedAmount: { amount: unknown; currencyCode: string } }>(
      (_s, args, context) => {
        const bound = binding(context);
        const { subscription, requestId, userErrors } = bound.model.requestCappedAmount(args.id, args.cappedAmount);
        return {
          appSubscription: subscription,
          confirmationUrl: subscription && requestId !== null ? bound.capConfirmationUrl(subscription.id, requestId) : null,
          userErrors,
        };
      },
    ),
    appSubscriptionTrialExtend: f<unknown, { id: string; days: number }>((_s, args, context) => {
      const { subscription, userErrors } = model(context).extendTrial(subscriptionId(args.id), args.days);
      return { appSubscription: subscription, userErrors };
    }),
    appUsageRecordCreate: f<
      unknown,
      {
        subscriptionLineItemId: string;
        price: { amount: unknown; currencyCode: string };
        description: string;
        idempotencyKey?: string | null;
      }
    >((_s, args, context) => {
      const { record, userErrors } = model(context).createUsageRecord({
        lineId: args.subscriptionLineItemId,
        price: args.price,
        description: args.description,
        idempotencyKey: args.idempotencyKey,
      });
      return { appUsageRecord: record, userErrors };
    }),
  },

  AppInstallation: {
    id: f((_s, _a, context) => installationGid(context)),
    launchUrl: f((_s, _a, context) => binding(context).launchUrl()),
    activeSubscriptions: f((_s, _a, context) => model(context).active()),
    allSubscriptions: f<unknown, ConnectionArgs>((_s, args, context) =>
      arrayConnection(model(context).subscriptions, args, (subscription) => subscription.id, context.bulk),
    ),
    oneTimePurchases: f<unknown, ConnectionArgs>((_s, args, context) =>
      arrayConnection<{ id: number }>([], args, (p) => p.id, context.bulk),
    ),
  },

  AppSubscription: {
    id: f<SubscriptionRecord>((s) => subscriptionGid(s.id)),
    createdAt: f<SubscriptionRecord>((s) => iso(s.createdAt)),
    currentPeriodEnd: f<SubscriptionRecord>((s) => (s.status === "ACTIVE" && s.periodEnd !== null ? iso(s.periodEnd) : null)),
    lineItems: f<SubscriptionRecord>((s) => s.lineItems.map((line) => ({ subscription: s, line }))),
  },

  AppSubscriptionLineItem: {
    id: f<LineSource>((l) => lineGid(l.subscription.id, l.line.index)),
    plan: f<LineSource>((l) => l),
    usageRecords: f<LineSource, ConnectionArgs>((l, args, context) =>
      arrayConnection(
        model(context).usageRecords.filter((r) => r.subscriptionId === l.subscription.id && r.lineIndex === l.line.index),
        args,
        (r) => r.id,
        context.bulk,
      ),
    ),
  },

  AppPlanV2: {
    pricingDetails: f<LineSource>((l) => ({ ...l, __typename: l.line.kind === "recurring" ? "AppRecurringPricing" : "AppUsagePricing" })),
  },

  AppRecurringPricing: {
    interval: f<LineSource>((l) => (l.line as RecurringLine).interval),
    price: f<LineSource>((l) => {
      const line = l.line as RecurringLine;
      return money(line.price.amount, line.price.currencyCode);
    }),
    discount: f<LineSource>((l) => ((l.line as RecurringLine).discount ? l.line : null)),
    planHandle: f<LineSource>((l) => (l.line as RecurringLine).planHandle),
  },

  AppUsagePricing: {
    balanceUsed: f<LineSource>((l) => (l.line.kind === "usage" ? money(l.line.balanceUsed, l.line.cappedAmount.currencyCode) : null)),
    cappedAmount: f<LineSource>((l) =>
      l.line.kind === "usage" ? money(l.line.cappedAmount.amount, l.line.cappedAmount.currencyCode) : null,
    ),
    interval: f(() => "EVERY_30_DAYS"),
    terms: f<LineSource>((l) => (l.line.kind === "usage" ? l.line.terms : "")),
  },

  AppSubscriptionDiscount: {
    durationLimitInIntervals: f<RecurringLine>((line) => line.discount?.durationLimitInIntervals ?? null),
    remainingDurationInIntervals: f<RecurringLine>((line) => remainingDiscountIntervals(line)),
    priceAfterDiscount: f<RecurringLine>((line) => money(priceAfterDiscount(line), line.price.currencyCode)),
    value: f<RecurringLine>((line) =>
      line.discount?.percentage !== null && line.discount?.percentage !== undefined
        ? { __typename: "AppSubscriptionDiscountPercentage", percentage: line.discount.percentage }
        : { __typename: "AppSubscriptionDiscountAmount", amount: money(line.discount?.amount ?? 0, line.price.currencyCode) },
    ),
  },

  AppUsageRecord: {
    id: f<UsageRecordEntry>((r) => `gid://shopify/AppUsageRecord/${r.id}`),
    createdAt: f<UsageRecordEntry>((r) => iso(r.createdAt)),
    price: f<UsageRecordEntry>((r) => money(r.price.amount, r.price.currencyCode)),
    subscriptionLineItem: f<UsageRecordEntry>((r, _a, context) => {
      const subscription = model(context).get(r.subscriptionId);
      const line = subscription?.lineItems.find((candidate) => candidate.index === r.lineIndex);
      return subscription && line ? { subscription, line } : null;
    }),
  },
};
