/**
 * Shopify's Billing API in the stand-in (see README.md, "Billing"): one BillingHub per stand-in holds
 * each shop's ShopBilling (model.ts), answers the approval pages (approval.ts), intercepts Admin API
 * calls for the injected faults and frozen stores, and offers the test helpers (`standIn.billing`).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import type { AppConfig } from "../config";
import { storeHandle } from "../crypto";
import type { ThrottleStatus } from "../graphql/bucket";
import type { HostedShop } from "../graphql/context";
import type { GraphqlRequest } from "../graphql/execute";
import { approvalRoute, approvalUrl } from "./approval";
import { ShopBilling, type ChargeEntry, type SubscriptionRecord, type UsageRecordEntry } from "./model";
import { bindBilling, lineGid, subscriptionGid } from "./resolvers";

export { ShopBilling } from "./model";
export type { SubscriptionRecord, UsageRecordEntry, ChargeEntry, SubscriptionStatus, ReplacementBehavior } from "./model";

export const BILLING_MUTATIONS = new Set([
  "appSubscriptionCreate",
  "appSubscriptionCancel",
  "appSubscriptionLineItemUpdate",
  "appSubscriptionTrialExtend",
  "appUsageRecordCreate",
]);

/** A failure the next billing mutations of a shop answer with. */
export interface BillingFault {
  /** HTTP status, e.g. 500, 502, 503 or 429 (default 500 unless `throttled`). */
  status?: number;
  /** Answer HTTP 200 with Shopify's THROTTLED error instead. */
  throttled?: boolean;
  /** Mutations to fail; default 1. */
  count?: number;
  /** Retry-After seconds (429: 2 by default). */
  retryAfter?: number;
}

/** A subscription as the helpers show it: the stand-in's record plus its GraphQL ids. */
export interface SubscriptionView extends Omit<SubscriptionRecord, "lineItems"> {
  gid: string;
  lineItems: (SubscriptionRecord["lineItems"][number] & { gid: string })[];
}

export interface BillingHubOptions {
  app: AppConfig;
  baseUrl: () => string;
  emit: (shop: string, topic: string, payload: unknown) => void;
}

function billingMutation(request: GraphqlRequest): boolean {
  if (typeof request.query !== "string") return false;
  try {
    const document = parse(request.query);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation =
      typeof request.operationName === "string" ? operations.find((o) => o.name?.value === request.operationName) : operations[0];
    return (
      operation?.operation === "mutation" &&
      operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && BILLING_MUTATIONS.has(s.name.value))
    );
  } catch {
    return false;
  }
}

const idOf = (id: number | string): number => (typeof id === "number" ? id : Number(/(\d+)(\?.*)?$/.exec(id)?.[1] ?? NaN));

export class BillingHub {
  private readonly shops = new Map<string, { model: ShopBilling; name: string }>();
  private readonly faults = new Map<string, { status: number; throttled: boolean; remaining: number; retryAfter?: number }[]>();
  private readonly secret = randomBytes(32).toString("hex");

  constructor(private readonly options: BillingHubOptions) {}

  /** Gives a hosted shop its billing state (once, when the stand-in starts). */
  attach(shop: HostedShop): ShopBilling {
    const info = shop.state.store.info;
    const model = new ShopBilling({
      domain: shop.domain,
      shopId: info.shopId,
      timeZone: info.ianaTimezone,
      clock: () => shop.state.nowMs(),
      emit: (topic, payload) => this.options.emit(shop.domain, topic, payload),
    });
    this.shops.set(shop.domain, { model, name: info.name });
    const { app, baseUrl } = this.options;
    bindBilling(shop, {
      model,
      confirmationUrl: (id) => approvalUrl(baseUrl(), app, this.secret, { shop: shop.domain, id, kind: "subscription" }),
      capConfirmationUrl: (id, request) => approvalUrl(baseUrl(), app, this.secret, { shop: shop.domain, id, kind: "capped", request }),
      launchUrl: () => `https://admin.shopify.com/store/${storeHandle(shop.domain)}/apps/${app.handle}`,
    });
    return model;
  }

  private model(domain: string): ShopBilling {
    const found = this.shops.get(domain);
    if (!found) throw new Error(`the stand-in hosts no shop ${domain}`);
    return found.model;
  }

  /**
   * What an Admin API call gets instead of its answer, if anything: 402 while the store is frozen
   * (Shopify: "the shop is frozen, the owner must pay the outstanding balance"), or an armed billing fault
   * for a billing mutation.
   */
  intercept(
    domain: string,
    request: GraphqlRequest,
    throttleStatus: ThrottleStatus,
  ): { status: number; body: unknown; headers: Record<string, string> } | undefined {
    const model = this.shops.get(domain)?.model;
    if (model?.frozen?.blockAdminApi) return { status: 402, body: { errors: "Unavailable Shop" }, headers: {} };
    const queue = this.faults.get(domain);
    const fault = queue?.[0];
    if (!queue || !fault || !billingMutation(request)) return undefined;
    if (--fault.remaining <= 0) queue.shift();
    if (fault.throttled)
      return {
        status: 200,
        body: {
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
          extensions: {
            cost: { requestedQueryCost: 10, actualQueryCost: null, throttleStatus: { ...throttleStatus, currentlyAvailable: 0 } },
          },
        },
        headers: {},
      };
    const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 2 : undefined);
    return {
      status: fault.status,
      body:
        fault.status === 429
          ? { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }
          : { errors: "Internal Server Error" },
      headers: retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) },
    };
  }

  /** The approval pages; false when the request is not for one. */
  route(url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return approvalRoute(
      { app: this.options.app, secret: this.secret, baseUrl: this.options.baseUrl, shop: (d) => this.shops.get(d) },
      url,
      req,
      res,
    );
  }

  /** The app was uninstalled from the shop: Shopify cancels its subscriptions. */
  uninstalled(domain: string): void {
    this.shops.get(domain)?.model.uninstalled();
  }

  private view(subscription: SubscriptionRecord): SubscriptionView {
    const copy = structuredClone(subscription);
    return {
      ...copy,
      gid: subscriptionGid(copy.id),
      lineItems: copy.lineItems.map((line) => ({ ...line, gid: lineGid(copy.id, line.index) })),
    };
  }

  /** The test helpers (`standIn.billing`). Ids are numbers or gids. */
  readonly api = {
    /** The merchant approves a PENDING subscription (as the approval page does); throws if it cannot be approved. */
    approve: (domain: string, id: number | string): SubscriptionView => {
      const model = this.model(domain);
      const result = model.approve(idOf(id));
      if (!result.ok) throw new Error(`billing.approve: ${result.message}`);
      return this.view(model.get(idOf(id)) as SubscriptionRecord);
    },
    /** The merchant declines a PENDING subscription → DECLINED. */
    decline: (domain: string, id: number | string): SubscriptionView => {
      const model = this.model(domain);
      const result = model.decline(idOf(id));
      if (!result.ok) throw new Error(`billing.decline: ${result.message}`);
      return this.view(model.get(idOf(id)) as SubscriptionRecord);
    },
    /** The merchant approves (or declines) the pending capped-amount increase of a subscription. */
    decideCappedAmount: (domain: string, id: number | string, approve = true): SubscriptionView => {
      const model = this.model(domain);
      const subscription = model.get(idOf(id));
      const request = subscription?.lineItems.find((line) => line.kind === "usage" && line.pendingCap);
      if (!subscription || request?.kind !== "usage" || !request.pendingCap) throw new Error("billing.decideCappedAmount: nothing pending");
      model.decideCap(subscription.id, request.pendingCap.requestId, approve);
      return this.view(subscription);
    },
    /** The store's payment to Shopify failed: ACTIVE → FROZEN; the Admin API answers 402 unless `blockAdminApi: false`. */
    freeze: (domain: string, options: { blockAdminApi?: boolean } = {}) => this.model(domain).freeze(options),
    /** The store paid: FROZEN → ACTIVE (missed periods are billed). */
    unfreeze: (domain: string) => this.model(domain).unfreeze(),
    /** Every unapproved PENDING subscription → EXPIRED now. */
    expirePending: (domain: string): SubscriptionView[] =>
      this.model(domain)
        .expirePending()
        .map((s) => this.view(s)),
    /** Moves the shop's billing clock: expiry, period boundaries (charges, usage reset), deferred replacements. */
    advance: (domain: string, days: number) => this.model(domain).advance(days),
    /** The billing clock (ISO). */
    now: (domain: string) => new Date(this.model(domain).nowMs()).toISOString(),
    subscriptions: (domain: string): SubscriptionView[] => {
      const model = this.model(domain);
      model.tick();
      return model.subscriptions.map((s) => this.view(s));
    },
    usageRecords: (domain: string): (UsageRecordEntry & { gid: string })[] =>
      this.model(domain).usageRecords.map((r) => ({ ...structuredClone(r), gid: `gid://shopify/AppUsageRecord/${r.id}` })),
    /** Recurring charges and prorated credits (negative amounts), by the stand-in's stated rules. */
    charges: (domain: string): ChargeEntry[] => {
      const model = this.model(domain);
      model.tick();
      return structuredClone(model.charges);
    },
    /** The next `count` billing mutations of the shop fail with HTTP `status` (or THROTTLED). */
    failNext: (domain: string, fault: BillingFault = {}) => {
      this.model(domain);
      const queue = this.faults.get(domain) ?? [];
      queue.push({
        status: fault.status ?? 500,
        throttled: Boolean(fault.throttled),
        remaining: fault.count ?? 1,
        retryAfter: fault.retryAfter,
      });
      this.faults.set(domain, queue);
    },
  };
}
