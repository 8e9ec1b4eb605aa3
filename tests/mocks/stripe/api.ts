/**
 * The `/v1` routes the stand-in answers: each reads its parameters (refusing unknown ones the way Stripe does, and
 * naming the ones Stripe has but the stand-in does not imitate), calls the store or the billing engine, and answers
 * the object's view. Anything else under /v1 is Stripe's 404 "Unrecognized request URL".
 */
import {
  advanceTime,
  attemptPayment,
  cancelSubscription,
  checkRecurring,
  createSubscription,
  endSubscription,
  finalizeInvoice,
  isOpen,
  markUncollectible,
  pauseSubscription,
  previewInvoice,
  resumeSubscription,
  shortestInterval,
  updateSubscription,
  voidInvoice,
  type DiscountSpec,
  type ItemChange,
  type SubscriptionUpdate,
} from "./billing";
import { TEST_PAYMENT_METHODS, describeCard } from "./cards";
import { emit, emitIfChanged, nowFor, type Ctx } from "./context";
import { StripeApiError, cardError, invalidRequest, parameterMissing, resourceMissing } from "./errors";
import { type Params, mergeMetadata } from "./form";
import { newCouponId, newId, randomBase62 } from "./ids";
import {
  createdFilter,
  paginate,
  type Address,
  type CustomerRec,
  type Listable,
  type Metadata,
  type PaymentMethodRec,
  type SubscriptionRec,
} from "./store";
import { checkTaxId } from "./tax";
import {
  checkoutLineItemsView,
  checkoutSessionView,
  couponView,
  customerTaxView,
  customerView,
  eventView,
  expand,
  invoiceLineView,
  invoiceView,
  paymentMethodView,
  portalSessionView,
  priceView,
  productView,
  promotionCodeView,
  subscriptionItemView,
  subscriptionView,
  taxIdView,
  taxRateView,
  testClockView,
} from "./views";

type Json = Record<string, unknown>;

export interface ApiHooks {
  /** Runs a test clock's advance after the answer (Stripe advances asynchronously). */
  scheduleAdvance(clockId: string): void;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (p: Params, m: string[]) => Json;
}

const KNOWN = {
  customerCreate: [
    "address",
    "balance",
    "business_name",
    "cash_balance",
    "description",
    "email",
    "individual_name",
    "invoice_prefix",
    "invoice_settings",
    "metadata",
    "name",
    "next_invoice_sequence",
    "payment_method",
    "phone",
    "preferred_locales",
    "shipping",
    "source",
    "tax",
    "tax_exempt",
    "tax_id_data",
    "test_clock",
    "validate",
  ],
  subscriptionCreate: [
    "add_invoice_items",
    "application_fee_percent",
    "automatic_tax",
    "backdate_start_date",
    "billing_cycle_anchor",
    "billing_cycle_anchor_config",
    "billing_mode",
    "billing_schedules",
    "billing_thresholds",
    "cancel_at",
    "cancel_at_period_end",
    "collection_method",
    "currency",
    "customer",
    "customer_account",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "discounts",
    "invoice_settings",
    "items",
    "metadata",
    "off_session",
    "on_behalf_of",
    "payment_behavior",
    "payment_settings",
    "pending_invoice_item_interval",
    "proration_behavior",
    "transfer_data",
    "trial_end",
    "trial_from_plan",
    "trial_period_days",
    "trial_settings",
  ],
  subscriptionUpdate: [
    "add_invoice_items",
    "application_fee_percent",
    "automatic_tax",
    "billing_cycle_anchor",
    "billing_schedules",
    "billing_thresholds",
    "cancel_at",
    "cancel_at_period_end",
    "cancellation_details",
    "collection_method",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "discounts",
    "invoice_settings",
    "items",
    "metadata",
    "off_session",
    "on_behalf_of",
    "pause_collection",
    "payment_behavior",
    "payment_settings",
    "pending_invoice_item_interval",
    "proration_behavior",
    "proration_date",
    "transfer_data",
    "trial_end",
    "trial_from_plan",
    "trial_settings",
  ],
  checkoutCreate: [
    "adaptive_pricing",
    "after_expiration",
    "allow_promotion_codes",
    "allowed_payment_method_types",
    "automatic_tax",
    "billing_address_collection",
    "branding_settings",
    "cancel_url",
    "client_reference_id",
    "consent_collection",
    "currency",
    "custom_fields",
    "custom_text",
    "customer",
    "customer_account",
    "customer_creation",
    "customer_email",
    "customer_update",
    "discounts",
    "excluded_payment_method_types",
    "expires_at",
    "integration_identifier",
    "invoice_creation",
    "line_items",
    "locale",
    "managed_payments",
    "metadata",
    "mode",
    "name_collection",
    "optional_items",
    "origin_context",
    "payment_intent_data",
    "payment_method_collection",
    "payment_method_configuration",
    "payment_method_data",
    "payment_method_options",
    "permissions",
    "phone_number_collection",
    "redirect_on_completion",
    "return_url",
    "saved_payment_method_options",
    "setup_intent_data",
    "shipping_address_collection",
    "shipping_options",
    "submit_type",
    "subscription_data",
    "success_url",
    "tax_id_collection",
    "ui_mode",
    "wallet_options",
  ],
  subscriptionData: [
    "application_fee_percent",
    "billing_cycle_anchor",
    "billing_cycle_anchor_config",
    "billing_mode",
    "default_tax_rates",
    "description",
    "invoice_settings",
    "metadata",
    "on_behalf_of",
    "pending_invoice_item_interval",
    "proration_behavior",
    "transfer_data",
    "trial_end",
    "trial_period_days",
    "trial_settings",
  ],
  priceCreate: [
    "currency",
    "active",
    "billing_scheme",
    "currency_options",
    "custom_unit_amount",
    "lookup_key",
    "metadata",
    "nickname",
    "product",
    "product_data",
    "recurring",
    "tax_behavior",
    "tiers",
    "tiers_mode",
    "transfer_lookup_key",
    "transform_quantity",
    "unit_amount",
    "unit_amount_decimal",
  ],
  productCreate: [
    "name",
    "active",
    "default_price_data",
    "description",
    "id",
    "images",
    "marketing_features",
    "metadata",
    "package_dimensions",
    "shippable",
    "statement_descriptor",
    "tax_code",
    "tax_details",
    "type",
    "unit_label",
    "url",
  ],
  couponCreate: [
    "amount_off",
    "applies_to",
    "currency",
    "currency_options",
    "duration",
    "duration_in_months",
    "id",
    "max_redemptions",
    "metadata",
    "name",
    "percent_off",
    "redeem_by",
  ],
  promotionCreate: [
    "promotion",
    "active",
    "code",
    "customer",
    "customer_account",
    "expires_at",
    "max_redemptions",
    "metadata",
    "restrictions",
  ],
  preview: [
    "automatic_tax",
    "currency",
    "customer",
    "customer_account",
    "customer_details",
    "discounts",
    "invoice_items",
    "issuer",
    "on_behalf_of",
    "preview_mode",
    "schedule",
    "schedule_details",
    "subscription",
    "subscription_details",
  ],
  portalCreate: ["after_expiration", "configuration", "customer", "customer_account", "flow_data", "locale", "on_behalf_of", "return_url"],
};

const LIST_PAGE = ["limit", "starting_after", "ending_before"];

export function createApi(ctx: Ctx, hooks: ApiHooks) {
  const { store } = ctx;
  const wall = () => ctx.wallSeconds();

  const list = <T extends Listable>(items: T[], p: Params, url: string, kind: string, view: (item: T) => Json): Json => {
    const page = paginate(items, p, kind);
    return { object: "list", data: page.data.map(view), has_more: page.has_more, url };
  };

  const address = (p: Params | undefined): Address | null | undefined => {
    if (!p) return undefined;
    p.only(["line1", "line2", "city", "state", "postal_code", "country"]);
    const country = p.str("country")?.toUpperCase() ?? null;
    if (country && !/^[A-Z]{2}$/.test(country))
      throw invalidRequest(
        `Country '${country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.`,
        p.name("country"),
      );
    return {
      line1: p.str("line1") ?? null,
      line2: p.str("line2") ?? null,
      city: p.str("city") ?? null,
      state: p.str("state") ?? null,
      postal_code: p.str("postal_code") ?? null,
      country,
    };
  };

  /** A `pm_card_*` test id becomes a new card PaymentMethod, as Stripe does. */
  const paymentMethodFromId = (id: string, param: string, at: number): PaymentMethodRec => {
    const number = TEST_PAYMENT_METHODS[id];
    if (!number) return store.paymentMethods.get(id, param);
    const { card, behavior } = describeCard({ number, expMonth: 12, expYear: new Date(at * 1000).getUTCFullYear() + 3, cvc: "123" });
    return store.paymentMethods.add({
      id: newId("paymentMethod"),
      created: at,
      customer: null,
      card,
      behavior,
      authenticated: false,
      billingDetails: { name: null, email: null, address: null },
      metadata: {},
    });
  };

  const attach = (pm: PaymentMethodRec, customer: CustomerRec, at: number, param: string): void => {
    if (pm.customer && pm.customer !== customer.id)
      throw invalidRequest(
        "The payment method you provided has already been attached to a customer.",
        param,
        "payment_method_unexpected_state",
      );
    if (pm.behavior.kind === "decline") throw cardError(pm.behavior.message, pm.behavior.code, pm.behavior.declineCode, param);
    if (pm.customer === customer.id) return;
    pm.customer = customer.id;
    emit(ctx, "payment_method.attached", paymentMethodView(pm), at);
  };

  const addTaxId = (customer: CustomerRec, type: string, value: string, at: number, param = ""): Json => {
    const checked = checkTaxId(type, value, param);
    const taxId = store.taxIds.add({ id: newId("taxId"), created: at, customer: customer.id, ...checked });
    const view = taxIdView(taxId);
    emit(ctx, "customer.tax_id.created", view, at);
    return view;
  };

  const customerNow = (customer: CustomerRec) => nowFor(ctx, customer.testClock);

  /** `billing_cycle_anchor[type]=now|unchanged` (the pinned API version's hash; a bare string is read too). */
  const anchorParam = (p: Params, key = "billing_cycle_anchor"): "now" | "unchanged" | undefined => {
    if (typeof p.raw[key] === "string") return p.oneOf(key, ["now", "unchanged"] as const);
    return p
      .obj(key)
      ?.only(["type"])
      .oneOf("type", ["now", "unchanged"] as const);
  };

  const discountSpecs = (p: Params, key: string): DiscountSpec[] =>
    p.list(key).map((d) => {
      d.only(["coupon", "promotion_code"], ["discount", "promotion_code"]);
      const coupon = d.str("coupon") ?? null;
      const promotionCode = d.str("promotion_code") ?? null;
      if (!coupon && !promotionCode) throw parameterMissing(d.name("coupon"));
      if (coupon && promotionCode)
        throw invalidRequest(`You may only specify one of these parameters: coupon, promotion_code.`, d.name("coupon"));
      return { coupon, promotionCode };
    });

  // ------------------------------------------------------------------------------------------ customers

  const createCustomer = (p: Params): Json => {
    p.only(
      [
        "address",
        "description",
        "email",
        "metadata",
        "name",
        "phone",
        "preferred_locales",
        "tax_exempt",
        "tax_id_data",
        "test_clock",
        "invoice_settings",
        "payment_method",
        "business_name",
        "invoice_prefix",
      ],
      KNOWN.customerCreate,
    );
    const clockId = p.str("test_clock") ?? null;
    if (clockId) {
      store.testClocks.get(clockId, "test_clock");
      if (store.customers.all().filter((c) => c.testClock === clockId && !c.deleted).length >= 3)
        throw invalidRequest("You can only attach 3 customers to a test clock.", "test_clock");
    }
    const taxIdData = p.list("tax_id_data").map((t) => {
      t.only(["type", "value"]);
      return checkTaxId(t.required("type"), t.required("value"), t.prefix);
    });
    const at = nowFor(ctx, clockId);
    const prefix = p.str("invoice_prefix");
    if (prefix !== undefined && !/^[A-Z0-9]{3,12}$/.test(prefix))
      throw invalidRequest("Invalid invoice_prefix: must be 3–12 upper-case letters or digits.", "invoice_prefix");
    const customer = store.customers.add({
      id: newId("customer"),
      created: at,
      email: p.str("email") ?? null,
      name: p.str("name") ?? null,
      phone: p.str("phone") ?? null,
      description: p.str("description") ?? null,
      businessName: p.str("business_name") ?? null,
      address: address(p.obj("address")) ?? null,
      metadata: mergeMetadata({}, p.metadata()),
      balance: 0,
      currency: null,
      invoicePrefix:
        prefix ??
        randomBase62(8)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, "X"),
      nextInvoiceSequence: 1,
      defaultPaymentMethod: null,
      testClock: clockId,
      taxExempt: p.oneOf("tax_exempt", ["none", "exempt", "reverse"] as const) ?? "none",
      preferredLocales: p.strings("preferred_locales"),
      deleted: false,
    });
    emit(ctx, "customer.created", customerView(ctx, customer), at);
    const pmId = p.str("payment_method");
    if (pmId) attach(paymentMethodFromId(pmId, "payment_method", at), customer, at, "payment_method");
    const settings = p.obj("invoice_settings")?.only(["default_payment_method"], ["custom_fields", "footer", "rendering_options"]);
    const defaultPm = settings?.str("default_payment_method");
    if (defaultPm) {
      const pm = store.paymentMethods.get(defaultPm, "invoice_settings[default_payment_method]");
      if (pm.customer !== customer.id) attach(pm, customer, at, "invoice_settings[default_payment_method]");
      customer.defaultPaymentMethod = pm.id;
    }
    for (const t of taxIdData) {
      const taxId = store.taxIds.add({ id: newId("taxId"), created: at, customer: customer.id, ...t });
      emit(ctx, "customer.tax_id.created", taxIdView(taxId), at);
    }
    return customerView(ctx, customer);
  };

  const updateCustomer = (p: Params, id: string): Json => {
    const known = KNOWN.customerCreate.filter((k) => k !== "tax_id_data" && k !== "test_clock");
    p.only(
      [
        "address",
        "description",
        "email",
        "metadata",
        "name",
        "phone",
        "preferred_locales",
        "tax_exempt",
        "invoice_settings",
        "business_name",
        "balance",
      ],
      [...known, "default_source"],
    );
    const customer = store.customers.get(id);
    const at = customerNow(customer);
    let defaultPm: string | null | undefined;
    const settings = p.obj("invoice_settings")?.only(["default_payment_method"], ["custom_fields", "footer", "rendering_options"]);
    if (settings?.has("default_payment_method")) {
      const pmId = settings.str("default_payment_method") ?? "";
      if (pmId) {
        const pm = store.paymentMethods.get(pmId, "invoice_settings[default_payment_method]");
        if (pm.customer !== customer.id)
          throw invalidRequest(
            `No such PaymentMethod: '${pmId}'; It's possible this PaymentMethod exists on one of your connected accounts, in which case you should retry this request on that connected account.`,
            "invoice_settings[default_payment_method]",
            "resource_missing",
          );
      }
      defaultPm = pmId || null;
    }
    const newAddress = p.emptied("address") ? null : address(p.obj("address"));
    emitIfChanged(
      ctx,
      "customer.updated",
      () => customerView(ctx, customer),
      at,
      () => {
        if (p.has("email")) customer.email = p.str("email") || null;
        if (p.has("name")) customer.name = p.str("name") || null;
        if (p.has("phone")) customer.phone = p.str("phone") || null;
        if (p.has("description")) customer.description = p.str("description") || null;
        if (p.has("business_name")) customer.businessName = p.str("business_name") || null;
        if (newAddress !== undefined) customer.address = newAddress;
        if (p.has("metadata")) customer.metadata = mergeMetadata(customer.metadata, p.metadata());
        if (p.has("tax_exempt")) customer.taxExempt = p.oneOf("tax_exempt", ["none", "exempt", "reverse"] as const) ?? "none";
        if (p.has("preferred_locales")) customer.preferredLocales = p.strings("preferred_locales");
        if (p.has("balance")) customer.balance = p.int("balance") ?? 0;
        if (defaultPm !== undefined) customer.defaultPaymentMethod = defaultPm;
      },
    );
    return customerView(ctx, customer);
  };

  const deleteCustomer = (id: string): Json => {
    const customer = store.customers.get(id);
    const at = customerNow(customer);
    for (const sub of store.subscriptions.all())
      if (sub.customer === id && !["canceled", "incomplete_expired"].includes(sub.status))
        endSubscription(ctx, sub, at, "cancellation_requested");
    const view = customerView(ctx, customer);
    customer.deleted = true;
    emit(ctx, "customer.deleted", view, at);
    return { id, object: "customer", deleted: true };
  };

  const withCustomerExpand = (p: Params, customer: CustomerRec): Json => {
    const view = customerView(ctx, customer);
    const paths = p.strings("expand");
    if (paths.includes("tax") && !customer.deleted) view.tax = customerTaxView(customer);
    return expand(
      ctx,
      view,
      paths.filter((path) => path !== "tax"),
    );
  };

  // ------------------------------------------------------------------------------------------ products, prices

  const createPrice = (p: Params, at: number, productId?: string): Json => {
    if (!productId)
      p.only(
        [
          "currency",
          "unit_amount",
          "product",
          "product_data",
          "recurring",
          "lookup_key",
          "transfer_lookup_key",
          "nickname",
          "metadata",
          "tax_behavior",
          "active",
        ],
        KNOWN.priceCreate,
      );
    const currency = p.required("currency").toLowerCase();
    const unitAmount = p.int("unit_amount");
    if (unitAmount === undefined) throw parameterMissing(p.name("unit_amount"));
    if (unitAmount < 0) throw invalidRequest("Invalid non-negative integer", p.name("unit_amount"));
    let product = productId ?? p.str("product");
    const productData = p.obj("product_data");
    if (product && productData) throw invalidRequest("You may only specify one of these parameters: product, product_data.", "product");
    if (productData) {
      productData.only(["name", "metadata", "tax_code", "active"], ["id", "statement_descriptor", "unit_label", "tax_details"]);
      product = store.products.add({
        id: newId("product"),
        created: at,
        updated: at,
        name: productData.required("name"),
        description: null,
        active: true,
        metadata: mergeMetadata({}, productData.metadata()),
        defaultPrice: null,
        taxCode: productData.str("tax_code") ?? null,
        images: [],
        deleted: false,
      }).id;
    }
    if (!product) throw parameterMissing("product");
    store.products.get(product, "product");
    const recurring = p.obj("recurring")?.only(["interval", "interval_count", "trial_period_days"], ["meter", "usage_type"]);
    const interval = recurring ? recurring.oneOf("interval", ["day", "week", "month", "year"] as const) : undefined;
    if (recurring && !interval) throw parameterMissing(recurring.name("interval"));
    const intervalCount = recurring?.int("interval_count") ?? 1;
    if (interval && (intervalCount < 1 || (interval === "year" && intervalCount > 3) || (interval === "month" && intervalCount > 36)))
      throw invalidRequest("The maximum billing interval is three years.", recurring?.name("interval_count"));
    const lookupKey = p.str("lookup_key") ?? null;
    if (lookupKey) claimLookupKey(lookupKey, p.bool("transfer_lookup_key") ?? false);
    const price = store.prices.add({
      id: newId("price"),
      created: at,
      product,
      currency,
      unitAmount,
      recurring: interval ? { interval, intervalCount, trialPeriodDays: recurring?.int("trial_period_days") ?? null } : null,
      lookupKey,
      nickname: p.str("nickname") ?? null,
      active: p.bool("active") ?? true,
      metadata: mergeMetadata({}, p.metadata()),
      taxBehavior: p.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified",
    });
    emit(ctx, "price.created", priceView(price), at);
    return priceView(price);
  };

  const claimLookupKey = (key: string, transfer: boolean) => {
    const holder = store.prices.all().find((price) => price.lookupKey === key);
    if (!holder) return;
    if (!transfer)
      throw invalidRequest(
        `A price (\`${holder.id}\`) already uses that lookup key. To transfer the lookup key to the new price, set \`transfer_lookup_key\` to true.`,
        "lookup_key",
      );
    holder.lookupKey = null;
  };

  // ------------------------------------------------------------------------------------------ checkout

  const createCheckoutSession = (p: Params): Json => {
    p.only(
      [
        "mode",
        "customer",
        "customer_email",
        "line_items",
        "success_url",
        "cancel_url",
        "subscription_data",
        "automatic_tax",
        "tax_id_collection",
        "client_reference_id",
        "metadata",
        "allow_promotion_codes",
        "discounts",
        "payment_method_collection",
        "billing_address_collection",
        "customer_update",
        "locale",
        "expires_at",
        "payment_method_types",
        "ui_mode",
      ],
      KNOWN.checkoutCreate,
    );
    const mode = p.oneOf("mode", ["payment", "setup", "subscription"] as const);
    if (!mode) throw parameterMissing("mode");
    if (mode !== "subscription")
      throw invalidRequest(
        "The Fluxor Stripe stand-in imitates Checkout in `subscription` mode only (tests/mocks/stripe/README.md).",
        "mode",
      );
    const uiMode = p.str("ui_mode");
    if (uiMode && uiMode !== "hosted_page" && uiMode !== "hosted")
      throw invalidRequest("The stand-in serves hosted Checkout only (`ui_mode: hosted_page`).", "ui_mode");
    const types = p.strings("payment_method_types");
    if (types.some((t) => t !== "card"))
      throw invalidRequest("The stand-in's Checkout takes cards only (`payment_method_types: ['card']`).", "payment_method_types");
    const customerId = p.str("customer") ?? null;
    const customerEmail = p.str("customer_email") ?? null;
    if (customerId && customerEmail)
      throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer_email");
    const customer = customerId ? store.customers.get(customerId, "customer") : null;
    const at = customer ? customerNow(customer) : wall();
    const lines = p.list("line_items");
    if (lines.length === 0)
      throw invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", "line_items");
    const lineItems = lines.map((line) => {
      line.only(["price", "quantity"], ["adjustable_quantity", "dynamic_tax_rates", "metadata", "price_data", "tax_rates"]);
      const price = checkRecurring(ctx, line.required("price"), line.name("price"));
      const quantity = line.int("quantity");
      if (quantity === undefined) throw parameterMissing(line.name("quantity"));
      if (quantity < 1) throw invalidRequest("Quantity must be greater than 0.", line.name("quantity"));
      return { id: `li_1${randomBase62(24)}`, price, quantity };
    });
    const currency = lineItems[0]?.price.currency ?? "usd";
    if (lineItems.some((l) => l.price.currency !== currency))
      throw invalidRequest("All prices must be in the same currency.", "line_items");
    const data = p
      .obj("subscription_data")
      ?.only(["trial_period_days", "trial_end", "metadata", "description", "trial_settings"], KNOWN.subscriptionData);
    const trialDays = data?.int("trial_period_days") ?? null;
    if (trialDays !== null && (trialDays < 1 || trialDays > 730))
      throw invalidRequest("The minimum number of trial period days is 1 and the maximum is 730.", "subscription_data[trial_period_days]");
    const trialEndParam = data?.int("trial_end") ?? null;
    if (trialEndParam !== null && trialEndParam < at + 2 * 86400)
      throw invalidRequest("The `trial_end` date has to be at least 2 days in the future.", "subscription_data[trial_end]");
    const endBehavior = data?.obj("trial_settings")?.only(["end_behavior"]).obj("end_behavior")?.only(["missing_payment_method"]);
    const automaticTax = p.obj("automatic_tax")?.only(["enabled"], ["liability"]).bool("enabled") ?? false;
    const taxIdParams = p.obj("tax_id_collection")?.only(["enabled", "required"]);
    const taxIdCollection = taxIdParams?.bool("enabled") ?? false;
    const update = p.obj("customer_update")?.only(["address", "name"], ["shipping"]);
    const customerUpdate = {
      address: update?.oneOf("address", ["auto", "never"] as const) ?? "never",
      name: update?.oneOf("name", ["auto", "never"] as const) ?? "never",
    };
    if (update && !customer) throw invalidRequest("`customer_update` can only be used with `customer`.", "customer_update");
    if (automaticTax && customer && !customer.address?.country && customerUpdate.address !== "auto")
      throw invalidRequest(
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
        "automatic_tax[enabled]",
      );
    if (taxIdCollection && customer && customerUpdate.name !== "auto")
      throw invalidRequest(
        "Tax ID collection requires updating business name on the customer. To enable tax ID collection for an existing customer, please set `customer_update[name]` to `auto`.",
        "tax_id_collection[enabled]",
      );
    const allowPromotionCodes = p.bool("allow_promotion_codes") ?? false;
    const discounts = discountSpecs(p, "discounts");
    if (allowPromotionCodes && discounts.length)
      throw invalidRequest("You may only specify one of these parameters: allow_promotion_codes, discounts.", "discounts");
    for (const [i, d] of discounts.entries()) {
      if (d.coupon) store.coupons.get(d.coupon, `discounts[${i}][coupon]`);
      if (d.promotionCode) store.promotionCodes.get(d.promotionCode, `discounts[${i}][promotion_code]`);
    }
    const pmCollection = p.oneOf("payment_method_collection", ["always", "if_required"] as const) ?? "always";
    const clientReferenceId = p.str("client_reference_id") ?? null;
    if (clientReferenceId && clientReferenceId.length > 200)
      throw invalidRequest("client_reference_id must be at most 200 characters.", "client_reference_id");
    const expiresAt = p.int("expires_at") ?? at + 24 * 3600;
    if (expiresAt < at + 30 * 60 || expiresAt > at + 24 * 3600)
      throw invalidRequest(
        "The `expires_at` timestamp must be between 30 minutes and 24 hours after Checkout Session creation.",
        "expires_at",
      );
    const subtotal = lineItems.reduce((s, l) => s + l.price.unitAmount * l.quantity, 0);
    const trialing = trialDays !== null || trialEndParam !== null;
    const cs = store.checkoutSessions.add({
      id: newId("checkoutSession"),
      created: at,
      expiresAt,
      status: "open",
      paymentStatus: "unpaid",
      customer: customer?.id ?? null,
      customerEmail: customerEmail ?? customer?.email ?? null,
      clientReferenceId,
      metadata: mergeMetadata({}, p.metadata()),
      successUrl: p.str("success_url") ?? null,
      cancelUrl: p.str("cancel_url") ?? null,
      lineItems: lineItems.map((l) => ({ id: l.id, price: l.price.id, quantity: l.quantity })),
      currency,
      trialPeriodDays: trialDays,
      trialEnd: trialEndParam,
      trialEndBehavior: endBehavior?.oneOf("missing_payment_method", ["cancel", "pause", "create_invoice"] as const) ?? "create_invoice",
      subscriptionMetadata: mergeMetadata({}, data?.metadata()),
      subscriptionDescription: data?.str("description") ?? null,
      automaticTax,
      taxIdCollection,
      taxIdRequired: taxIdParams?.oneOf("required", ["never", "if_supported"] as const) ?? "never",
      allowPromotionCodes,
      discounts,
      paymentMethodCollection: pmCollection,
      billingAddressCollection: p.oneOf("billing_address_collection", ["auto", "required"] as const) ?? "auto",
      customerUpdate,
      locale: p.str("locale") ?? null,
      subscription: null,
      invoice: null,
      customerDetails: null,
      amountSubtotal: trialing ? 0 : subtotal,
      amountTotal: trialing ? 0 : subtotal,
      amountDiscount: 0,
      amountTax: 0,
      pending: null,
    });
    return checkoutSessionView(ctx, cs);
  };

  const checkoutSession = (id: string) => {
    const cs = store.checkoutSessions.get(id, "session");
    const customer = cs.customer ? store.customers.find(cs.customer) : undefined;
    if (cs.status === "open" && cs.expiresAt <= (customer ? customerNow(customer) : wall())) {
      cs.status = "expired";
      emit(ctx, "checkout.session.expired", checkoutSessionView(ctx, cs), cs.expiresAt);
    }
    return cs;
  };

  const checkoutView = (p: Params, id: string): Json => {
    const cs = checkoutSession(id);
    const paths = p.strings("expand");
    const view = checkoutSessionView(ctx, cs);
    if (paths.includes("line_items"))
      view.line_items = {
        object: "list",
        data: checkoutLineItemsView(ctx, cs),
        has_more: false,
        url: `/v1/checkout/sessions/${cs.id}/line_items`,
      };
    return expand(
      ctx,
      view,
      paths.filter((path) => path !== "line_items"),
    );
  };

  // ------------------------------------------------------------------------------------------ subscriptions

  const itemChanges = (p: Params, key = "items"): ItemChange[] =>
    p.list(key).map((item) => {
      item.only(
        ["id", "price", "quantity", "deleted", "metadata"],
        ["billing_thresholds", "clear_usage", "discounts", "plan", "price_data", "tax_rates"],
      );
      const quantity = item.int("quantity");
      if (quantity !== undefined && quantity < 1) throw invalidRequest("Quantity must be at least 1.", item.name("quantity"));
      return {
        id: item.str("id"),
        price: item.str("price"),
        quantity,
        deleted: item.bool("deleted"),
        metadata: item.has("metadata") ? (item.metadata() ?? null) : undefined,
        param: item.prefix,
      };
    });

  const createSubscriptionRoute = (p: Params): Json => {
    p.only(
      [
        "customer",
        "items",
        "default_payment_method",
        "trial_period_days",
        "trial_end",
        "trial_settings",
        "metadata",
        "description",
        "discounts",
        "automatic_tax",
        "payment_behavior",
        "cancel_at_period_end",
        "off_session",
        "proration_behavior",
        "collection_method",
        "currency",
      ],
      KNOWN.subscriptionCreate,
    );
    const customer = store.customers.get(p.required("customer"), "customer");
    const at = customerNow(customer);
    const items = itemChanges(p).map((item) => {
      if (item.id) throw invalidRequest("Received unknown parameter: items[0][id]", `${item.param}[id]`, "parameter_unknown");
      if (!item.price) throw parameterMissing(`${item.param}[price]`);
      return {
        price: checkRecurring(ctx, item.price, `${item.param}[price]`),
        quantity: item.quantity ?? 1,
        metadata: item.metadata ?? {},
      };
    });
    if (items.length === 0) throw parameterMissing("items");
    if (p.str("collection_method") && p.str("collection_method") !== "charge_automatically")
      throw invalidRequest("The stand-in imitates `collection_method: charge_automatically` only.", "collection_method");
    const trialDays = p.int("trial_period_days");
    const trialEndRaw = p.str("trial_end");
    const trialEnd = trialEndRaw === "now" ? null : trialEndRaw ? (p.int("trial_end") ?? null) : trialDays ? at + trialDays * 86400 : null;
    const pmId = p.str("default_payment_method") ?? null;
    if (pmId) {
      const pm = store.paymentMethods.get(pmId, "default_payment_method");
      if (pm.customer !== customer.id)
        throw invalidRequest(
          `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
          "default_payment_method",
          "resource_missing",
        );
    }
    const endBehavior = p.obj("trial_settings")?.only(["end_behavior"]).obj("end_behavior")?.only(["missing_payment_method"]);
    const { sub } = createSubscription(ctx, {
      customer,
      items,
      at,
      trialEnd,
      trialEndBehavior: endBehavior?.oneOf("missing_payment_method", ["cancel", "pause", "create_invoice"] as const) ?? "create_invoice",
      defaultPaymentMethod: pmId,
      discounts: discountSpecs(p, "discounts"),
      metadata: mergeMetadata({}, p.metadata()),
      description: p.str("description") ?? null,
      automaticTax: p.obj("automatic_tax")?.only(["enabled"], ["liability"]).bool("enabled") ?? false,
      cancelAtPeriodEnd: p.bool("cancel_at_period_end") ?? false,
      paymentBehavior:
        p.oneOf("payment_behavior", ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const) ??
        "allow_incomplete",
    });
    return subscriptionView(ctx, sub);
  };

  const updateSubscriptionRoute = (p: Params, id: string): Json => {
    p.only(
      [
        "items",
        "proration_behavior",
        "proration_date",
        "billing_cycle_anchor",
        "cancel_at_period_end",
        "cancel_at",
        "pause_collection",
        "default_payment_method",
        "metadata",
        "description",
        "discounts",
        "trial_end",
        "payment_behavior",
        "cancellation_details",
        "off_session",
      ],
      KNOWN.subscriptionUpdate,
    );
    const sub = store.subscriptions.get(id);
    const customer = store.customers.get(sub.customer);
    const at = customerNow(customer);
    const u: SubscriptionUpdate = {
      items: itemChanges(p),
      prorationBehavior: p.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ?? "create_prorations",
      paymentBehavior:
        p.oneOf("payment_behavior", ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const) ??
        "allow_incomplete",
    };
    const pd = p.int("proration_date");
    if (pd !== undefined) {
      if (pd < sub.periodStart || pd > sub.periodEnd)
        throw invalidRequest("proration_date must be within the current period.", "proration_date");
      u.prorationDate = pd;
    }
    if (p.has("billing_cycle_anchor")) u.billingCycleAnchor = anchorParam(p);
    if (p.has("cancel_at_period_end")) u.cancelAtPeriodEnd = p.bool("cancel_at_period_end");
    if (p.has("cancel_at")) {
      const value = p.str("cancel_at") ?? "";
      if (value === "") u.cancelAt = null;
      else if (["max_period_end", "min_period_end", "max_billed_until"].includes(value)) u.cancelAt = sub.periodEnd;
      else u.cancelAt = p.int("cancel_at") ?? null;
    }
    if (p.has("pause_collection")) {
      const pc = p.obj("pause_collection")?.only(["behavior", "resumes_at"]);
      if (!pc) u.pauseCollection = null;
      else {
        const behavior = pc.oneOf("behavior", ["keep_as_draft", "mark_uncollectible", "void"] as const);
        if (!behavior) throw parameterMissing("pause_collection[behavior]");
        const resumesAt = pc.int("resumes_at") ?? null;
        if (resumesAt !== null && resumesAt <= at)
          throw invalidRequest("resumes_at must be in the future.", "pause_collection[resumes_at]");
        u.pauseCollection = { behavior, resumesAt };
      }
    }
    if (p.has("default_payment_method")) u.defaultPaymentMethod = p.str("default_payment_method") || null;
    if (p.has("metadata")) u.metadata = mergeMetadata(sub.metadata, p.metadata());
    if (p.has("description")) u.description = p.str("description") || null;
    if (p.has("discounts")) u.discounts = p.emptied("discounts") ? null : discountSpecs(p, "discounts");
    if (p.has("trial_end")) u.trialEnd = p.str("trial_end") === "now" ? "now" : p.int("trial_end");
    const details = p.obj("cancellation_details")?.only(["comment", "feedback"]);
    if (details)
      u.cancellation = {
        comment: details.str("comment") || null,
        feedback:
          details.oneOf("feedback", [
            "customer_service",
            "low_quality",
            "missing_features",
            "other",
            "switched_service",
            "too_complex",
            "too_expensive",
            "unused",
          ] as const) ?? null,
      };
    updateSubscription(ctx, sub, u, at);
    return subscriptionView(ctx, sub);
  };

  const listSubscriptions = (p: Params): Json => {
    p.only(
      [...LIST_PAGE, "customer", "price", "status", "test_clock", "created"],
      ["automatic_tax", "collection_method", "current_period_end", "current_period_start", "customer_account", "plan"],
    );
    const customer = p.str("customer");
    const price = p.str("price");
    const status = p.oneOf("status", [
      "active",
      "all",
      "canceled",
      "ended",
      "incomplete",
      "incomplete_expired",
      "past_due",
      "paused",
      "trialing",
      "unpaid",
    ] as const);
    const clock = p.str("test_clock");
    const created = createdFilter(p);
    const items = store.subscriptions
      .newestFirst()
      .filter(
        (s) =>
          (!customer || s.customer === customer) &&
          (!price || s.items.some((i) => i.price === price)) &&
          (clock === undefined || s.testClock === clock) &&
          created(s.created) &&
          (status === "all"
            ? true
            : status === "ended"
              ? s.status === "canceled" || s.status === "incomplete_expired"
              : status
                ? s.status === status
                : s.status !== "canceled" && s.status !== "incomplete_expired"),
      );
    return list(items, p, "/v1/subscriptions", "subscription", (s) => subscriptionView(ctx, s));
  };

  const subscriptionOf = (id: string): SubscriptionRec => store.subscriptions.get(id);

  // ------------------------------------------------------------------------------------------ invoices

  const previewRoute = (p: Params): Json => {
    p.only(["customer", "subscription", "subscription_details", "automatic_tax"], KNOWN.preview);
    const subId = p.str("subscription");
    const sub = subId ? store.subscriptions.get(subId, "subscription") : null;
    const customerId = p.str("customer") ?? sub?.customer;
    if (!customerId) throw invalidRequest("Missing required param: customer.", "customer", "parameter_missing");
    const customer = store.customers.get(customerId, "customer");
    if (sub && sub.customer !== customer.id)
      throw invalidRequest(`The subscription ${sub.id} does not belong to customer ${customer.id}.`, "subscription");
    const details = p
      .obj("subscription_details")
      ?.only(
        ["items", "proration_behavior", "proration_date", "billing_cycle_anchor"],
        [
          "billing_mode",
          "billing_schedules",
          "cancel_at",
          "cancel_at_period_end",
          "cancel_now",
          "default_tax_rates",
          "metadata",
          "resume_at",
          "start_date",
          "trial_end",
        ],
      );
    const at = customerNow(customer);
    const changes = details ? itemChanges(details) : [];
    const invoice = previewInvoice(ctx, {
      customer,
      sub,
      newItems: sub
        ? []
        : changes.map((c) => ({ price: checkRecurring(ctx, c.price ?? "", `${c.param}[price]`), quantity: c.quantity ?? 1 })),
      changes: sub ? changes : [],
      prorationBehavior:
        details?.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ?? "create_prorations",
      prorationDate: details?.int("proration_date") ?? null,
      billingCycleAnchor: details ? anchorParam(details) : undefined,
      automaticTax: p.obj("automatic_tax")?.only(["enabled"], ["liability"]).bool("enabled") ?? null,
      at,
    });
    return invoiceView(ctx, invoice);
  };

  const invoiceOf = (id: string) => store.invoices.get(id);

  const payInvoice = (p: Params, id: string): Json => {
    p.only(["payment_method", "paid_out_of_band", "off_session"], ["forgive", "mandate", "source"]);
    const inv = invoiceOf(id);
    const customer = store.customers.get(inv.customer);
    const at = customerNow(customer);
    if (inv.status === "draft") finalizeInvoice(ctx, inv, at);
    if (inv.status === "paid") throw invalidRequest("Invoice is already paid", undefined, "invoice_not_editable");
    if (inv.status !== "open")
      throw invalidRequest(`You can only pay an open invoice. This invoice is ${inv.status}.`, undefined, "invoice_not_editable");
    if (p.bool("paid_out_of_band")) {
      inv.attempted = true;
      inv.status = "paid";
      inv.paidAt = at;
      inv.amountRemaining = 0;
      inv.nextPaymentAttempt = null;
      emit(ctx, "invoice.paid", invoiceView(ctx, inv), at);
      return invoiceView(ctx, inv);
    }
    let pmId = p.str("payment_method");
    if (pmId) {
      const pm = paymentMethodFromId(pmId, "payment_method", at);
      attach(pm, customer, at, "payment_method");
      pmId = pm.id;
    }
    const outcome = attemptPayment(ctx, inv, at, { offSession: p.bool("off_session") ?? false, paymentMethod: pmId });
    if (outcome.kind === "requires_action")
      throw cardError(
        "This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice, or the invoice's hosted_invoice_url.",
        "invoice_payment_intent_requires_action",
      );
    if (outcome.kind === "declined") throw cardError(outcome.message, outcome.code, outcome.declineCode ?? undefined);
    return invoiceView(ctx, inv);
  };

  // ------------------------------------------------------------------------------------------ test clocks

  const advanceClock = (p: Params, id: string): Json => {
    p.only(["frozen_time"]);
    const clock = store.testClocks.get(id);
    const to = p.int("frozen_time");
    if (to === undefined) throw parameterMissing("frozen_time");
    if (clock.status === "advancing")
      throw invalidRequest(
        "The test clock is currently advancing. Wait until it is ready before advancing it again.",
        undefined,
        "test_clock_advancing",
      );
    if (to <= clock.frozenTime) throw invalidRequest("The frozen_time must be after the test clock's current frozen_time.", "frozen_time");
    const span = shortestInterval(ctx, clock.id, clock.frozenTime);
    if (span !== null && to - clock.frozenTime > span)
      throw invalidRequest(
        "Cannot advance the test clock more than two intervals of the shortest subscription interval attached to it. Advance in smaller steps.",
        "frozen_time",
      );
    clock.status = "advancing";
    clock.target = to;
    emit(ctx, "test_helpers.test_clock.advancing", testClockView(clock), clock.frozenTime);
    hooks.scheduleAdvance(clock.id);
    return testClockView(clock);
  };

  // ------------------------------------------------------------------------------------------ routes

  const routes: Route[] = [];
  const route = (method: string, path: string, handle: Route["handle"]) =>
    routes.push({ method, pattern: new RegExp(`^${path.replace(/:\w+/g, "([^/]+)")}$`), handle });
  const one = (p: Params, view: Json) => expand(ctx, view, p.strings("expand"));
  const get = <T>(m: string[], i = 0) => decodeURIComponent(m[i] ?? "") as T & string;

  route("POST", "/v1/customers", (p) => {
    const view = createCustomer(p);
    return withCustomerExpand(p, store.customers.get(view.id as string));
  });
  route("GET", "/v1/customers", (p) => {
    p.only([...LIST_PAGE, "email", "test_clock", "created"], ["customer_account"]);
    const email = p.str("email");
    const clock = p.str("test_clock");
    const created = createdFilter(p);
    const items = store.customers
      .newestFirst()
      .filter((c) => !c.deleted && (!email || c.email === email) && (clock === undefined || c.testClock === clock) && created(c.created));
    return expand(
      ctx,
      list(items, p, "/v1/customers", "customer", (c) => customerView(ctx, c)),
      p.strings("expand"),
    );
  });
  route("GET", "/v1/customers/:id", (p, m) => {
    const customer = store.customers.find(get(m));
    if (!customer) throw resourceMissing("customer", get(m));
    return withCustomerExpand(p, customer);
  });
  route("POST", "/v1/customers/:id", (p, m) => {
    updateCustomer(p, get(m));
    return withCustomerExpand(p, store.customers.get(get(m)));
  });
  route("DELETE", "/v1/customers/:id", (_p, m) => deleteCustomer(get(m)));
  route("POST", "/v1/customers/:id/tax_ids", (p, m) => {
    p.only(["type", "value"]);
    const customer = store.customers.get(get(m));
    return addTaxId(customer, p.required("type"), p.required("value"), customerNow(customer));
  });
  route("GET", "/v1/customers/:id/tax_ids", (p, m) => {
    p.only(LIST_PAGE);
    const customer = store.customers.get(get(m));
    return list(
      store.taxIds.newestFirst().filter((t) => t.customer === customer.id),
      p,
      `/v1/customers/${customer.id}/tax_ids`,
      "tax_id",
      taxIdView,
    );
  });
  route("GET", "/v1/customers/:id/tax_ids/:tid", (p, m) => {
    const taxId = store.taxIds.get(get(m, 1));
    if (taxId.customer !== get(m)) throw resourceMissing("tax_id", get(m, 1));
    return one(p, taxIdView(taxId));
  });
  route("DELETE", "/v1/customers/:id/tax_ids/:tid", (_p, m) => {
    const taxId = store.taxIds.get(get(m, 1));
    if (taxId.customer !== get(m)) throw resourceMissing("tax_id", get(m, 1));
    const customer = store.customers.get(taxId.customer);
    store.taxIds.remove(taxId.id);
    emit(ctx, "customer.tax_id.deleted", taxIdView(taxId), customerNow(customer));
    return { id: taxId.id, object: "tax_id", deleted: true };
  });
  route("GET", "/v1/customers/:id/payment_methods", (p, m) => {
    p.only([...LIST_PAGE, "type"], ["allow_redisplay"]);
    const customer = store.customers.get(get(m));
    const type = p.str("type");
    const items = type && type !== "card" ? [] : store.paymentMethods.newestFirst().filter((pm) => pm.customer === customer.id);
    return list(items, p, `/v1/customers/${customer.id}/payment_methods`, "payment_method", paymentMethodView);
  });
  route("GET", "/v1/customers/:id/payment_methods/:pm", (p, m) => {
    const pm = store.paymentMethods.get(get(m, 1));
    if (pm.customer !== get(m)) throw resourceMissing("PaymentMethod", pm.id);
    return one(p, paymentMethodView(pm));
  });

  route("POST", "/v1/payment_methods", (p) => {
    if (p.has("card"))
      throw invalidRequest(
        "Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. (The stand-in: attach a pm_card_* test PaymentMethod, or use the hosted Checkout page.)",
        "card",
      );
    throw invalidRequest("The stand-in creates PaymentMethods through its hosted pages or from pm_card_* test ids only.", "type");
  });
  route("GET", "/v1/payment_methods", (p) => {
    p.only([...LIST_PAGE, "customer", "type"], ["allow_redisplay", "customer_account"]);
    const customer = p.str("customer");
    const items = store.paymentMethods.newestFirst().filter((pm) => !customer || pm.customer === customer);
    return list(items, p, "/v1/payment_methods", "payment_method", paymentMethodView);
  });
  route("GET", "/v1/payment_methods/:id", (p, m) => one(p, paymentMethodView(store.paymentMethods.get(get(m)))));
  route("POST", "/v1/payment_methods/:id/attach", (p, m) => {
    p.only(["customer"], ["customer_account"]);
    const customer = store.customers.get(p.required("customer"), "customer");
    const at = customerNow(customer);
    const pm = paymentMethodFromId(get(m), "payment_method", at);
    attach(pm, customer, at, "payment_method");
    return one(p, paymentMethodView(pm));
  });
  route("POST", "/v1/payment_methods/:id/detach", (p, m) => {
    const pm = store.paymentMethods.get(get(m));
    if (!pm.customer)
      throw invalidRequest(
        "The payment method you provided is not attached to a customer so detachment is impossible.",
        undefined,
        "payment_method_unexpected_state",
      );
    const customer = store.customers.get(pm.customer);
    const at = customerNow(customer);
    pm.customer = null;
    if (customer.defaultPaymentMethod === pm.id)
      emitIfChanged(
        ctx,
        "customer.updated",
        () => customerView(ctx, customer),
        at,
        () => {
          customer.defaultPaymentMethod = null;
        },
      );
    for (const sub of store.subscriptions.all()) if (sub.defaultPaymentMethod === pm.id) sub.defaultPaymentMethod = null;
    emit(ctx, "payment_method.detached", paymentMethodView(pm), at, { customer: customer.id });
    return one(p, paymentMethodView(pm));
  });

  route("POST", "/v1/products", (p) => {
    p.only(["name", "id", "description", "active", "metadata", "default_price_data", "tax_code", "images"], KNOWN.productCreate);
    const at = wall();
    const id = p.str("id") ?? newId("product");
    if (store.products.find(id)) throw invalidRequest(`Product already exists.`, "id", "resource_already_exists");
    const product = store.products.add({
      id,
      created: at,
      updated: at,
      name: p.required("name"),
      description: p.str("description") ?? null,
      active: p.bool("active") ?? true,
      metadata: mergeMetadata({}, p.metadata()),
      defaultPrice: null,
      taxCode: p.str("tax_code") ?? null,
      images: p.strings("images"),
      deleted: false,
    });
    emit(ctx, "product.created", productView(product), at);
    const priceData = p.obj("default_price_data");
    if (priceData) {
      priceData.only(
        ["currency", "unit_amount", "recurring", "tax_behavior"],
        ["currency_options", "custom_unit_amount", "metadata", "unit_amount_decimal"],
      );
      product.defaultPrice = createPrice(priceData, at, product.id).id as string;
    }
    return one(p, productView(product));
  });
  route("GET", "/v1/products", (p) => {
    p.only([...LIST_PAGE, "active", "ids", "created"], ["shippable", "type", "url"]);
    const active = p.bool("active");
    const ids = p.strings("ids");
    const created = createdFilter(p);
    const items = store.products
      .newestFirst()
      .filter(
        (x) => !x.deleted && (active === undefined || x.active === active) && (!ids.length || ids.includes(x.id)) && created(x.created),
      );
    return expand(ctx, list(items, p, "/v1/products", "product", productView), p.strings("expand"));
  });
  route("GET", "/v1/products/:id", (p, m) => one(p, productView(store.products.get(get(m)))));
  route("POST", "/v1/products/:id", (p, m) => {
    p.only(["name", "description", "active", "metadata", "default_price", "tax_code", "images"], KNOWN.productCreate);
    const product = store.products.get(get(m));
    const at = wall();
    emitIfChanged(
      ctx,
      "product.updated",
      () => productView(product),
      at,
      () => {
        if (p.has("name")) product.name = p.required("name");
        if (p.has("description")) product.description = p.str("description") || null;
        if (p.has("active")) product.active = p.bool("active") ?? true;
        if (p.has("metadata")) product.metadata = mergeMetadata(product.metadata, p.metadata());
        if (p.has("tax_code")) product.taxCode = p.str("tax_code") || null;
        if (p.has("images")) product.images = p.strings("images");
        if (p.has("default_price")) {
          const priceId = p.str("default_price") || null;
          if (priceId && store.prices.get(priceId, "default_price").product !== product.id)
            throw invalidRequest("The default price must belong to this product.", "default_price");
          product.defaultPrice = priceId;
        }
        product.updated = at;
      },
    );
    return one(p, productView(product));
  });
  route("DELETE", "/v1/products/:id", (_p, m) => {
    const product = store.products.get(get(m));
    if (store.prices.all().some((x) => x.product === product.id))
      throw invalidRequest(
        "This product cannot be deleted because it has one or more user-created prices.",
        undefined,
        "product_has_prices",
      );
    product.deleted = true;
    emit(ctx, "product.deleted", { ...productView({ ...product, deleted: false }) }, wall());
    return { id: product.id, object: "product", deleted: true };
  });

  route("POST", "/v1/prices", (p) => one(p, createPrice(p, wall())));
  route("GET", "/v1/prices", (p) => {
    p.only([...LIST_PAGE, "active", "product", "lookup_keys", "type", "currency", "recurring", "created"]);
    const active = p.bool("active");
    const product = p.str("product");
    const keys = p.strings("lookup_keys");
    if (keys.length > 10) throw invalidRequest("You may pass at most 10 lookup keys.", "lookup_keys");
    const type = p.oneOf("type", ["one_time", "recurring"] as const);
    const currency = p.str("currency")?.toLowerCase();
    const interval = p.obj("recurring")?.only(["interval", "usage_type", "meter"]).str("interval");
    const created = createdFilter(p);
    const items = store.prices
      .newestFirst()
      .filter(
        (x) =>
          (active === undefined || x.active === active) &&
          (!product || x.product === product) &&
          (!keys.length || (x.lookupKey !== null && keys.includes(x.lookupKey))) &&
          (!type || (type === "recurring") === (x.recurring !== null)) &&
          (!currency || x.currency === currency) &&
          (!interval || x.recurring?.interval === interval) &&
          created(x.created),
      );
    return expand(ctx, list(items, p, "/v1/prices", "price", priceView), p.strings("expand"));
  });
  route("GET", "/v1/prices/:id", (p, m) => one(p, priceView(store.prices.get(get(m)))));
  route("POST", "/v1/prices/:id", (p, m) => {
    p.only(["active", "lookup_key", "transfer_lookup_key", "nickname", "metadata", "tax_behavior"], ["currency_options"]);
    const price = store.prices.get(get(m));
    const lookupKey = p.has("lookup_key") ? p.str("lookup_key") || null : undefined;
    if (lookupKey && lookupKey !== price.lookupKey) claimLookupKey(lookupKey, p.bool("transfer_lookup_key") ?? false);
    emitIfChanged(
      ctx,
      "price.updated",
      () => priceView(price),
      wall(),
      () => {
        if (p.has("active")) price.active = p.bool("active") ?? true;
        if (lookupKey !== undefined) price.lookupKey = lookupKey;
        if (p.has("nickname")) price.nickname = p.str("nickname") || null;
        if (p.has("metadata")) price.metadata = mergeMetadata(price.metadata, p.metadata());
        if (p.has("tax_behavior")) {
          const next = p.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified";
          if (price.taxBehavior !== "unspecified" && next !== price.taxBehavior)
            throw invalidRequest("tax_behavior cannot be changed once it is set to exclusive or inclusive.", "tax_behavior");
          price.taxBehavior = next;
        }
      },
    );
    return one(p, priceView(price));
  });

  route("POST", "/v1/coupons", (p) => {
    p.only(
      ["id", "percent_off", "amount_off", "currency", "duration", "duration_in_months", "max_redemptions", "redeem_by", "name", "metadata"],
      KNOWN.couponCreate,
    );
    const percentOff = p.num("percent_off") ?? null;
    const amountOff = p.int("amount_off") ?? null;
    if (percentOff === null && amountOff === null) throw invalidRequest("Must provide one of percent_off or amount_off.", "percent_off");
    if (percentOff !== null && amountOff !== null)
      throw invalidRequest("You may only specify one of these parameters: amount_off, percent_off.", "amount_off");
    if (percentOff !== null && (percentOff <= 0 || percentOff > 100))
      throw invalidRequest("Invalid percent_off: must be greater than 0 and at most 100", "percent_off");
    const currency = p.str("currency")?.toLowerCase() ?? null;
    if (amountOff !== null && !currency) throw invalidRequest("You must pass currency when passing amount_off", "currency");
    const duration = p.oneOf("duration", ["forever", "once", "repeating"] as const) ?? "once";
    const months = p.int("duration_in_months") ?? null;
    if (duration === "repeating" && !months)
      throw invalidRequest("You must specify duration_in_months when duration is repeating.", "duration_in_months");
    if (duration !== "repeating" && months !== null)
      throw invalidRequest("duration_in_months can only be set when duration is repeating.", "duration_in_months");
    const id = p.str("id") ?? newCouponId();
    if (store.coupons.find(id)) throw invalidRequest("Coupon already exists.", "id", "resource_already_exists");
    const at = wall();
    const coupon = store.coupons.add({
      id,
      created: at,
      name: p.str("name") ?? null,
      percentOff,
      amountOff,
      currency,
      duration,
      durationInMonths: months,
      maxRedemptions: p.int("max_redemptions") ?? null,
      redeemBy: p.int("redeem_by") ?? null,
      timesRedeemed: 0,
      metadata: mergeMetadata({}, p.metadata()),
      deleted: false,
    });
    emit(ctx, "coupon.created", couponView(coupon, wall()), at);
    return one(p, couponView(coupon, wall()));
  });
  route("GET", "/v1/coupons", (p) => {
    p.only([...LIST_PAGE, "created"]);
    const created = createdFilter(p);
    return list(
      store.coupons.newestFirst().filter((c) => !c.deleted && created(c.created)),
      p,
      "/v1/coupons",
      "coupon",
      (c) => couponView(c, wall()),
    );
  });
  route("GET", "/v1/coupons/:id", (p, m) => one(p, couponView(store.coupons.get(get(m)), wall())));
  route("POST", "/v1/coupons/:id", (p, m) => {
    p.only(["name", "metadata"], ["currency_options"]);
    const coupon = store.coupons.get(get(m));
    emitIfChanged(
      ctx,
      "coupon.updated",
      () => couponView(coupon, wall()),
      wall(),
      () => {
        if (p.has("name")) coupon.name = p.str("name") || null;
        if (p.has("metadata")) coupon.metadata = mergeMetadata(coupon.metadata, p.metadata());
      },
    );
    return one(p, couponView(coupon, wall()));
  });
  route("DELETE", "/v1/coupons/:id", (_p, m) => {
    const coupon = store.coupons.get(get(m));
    const view = couponView(coupon, wall());
    coupon.deleted = true;
    emit(ctx, "coupon.deleted", view, wall());
    return { id: coupon.id, object: "coupon", deleted: true };
  });

  route("POST", "/v1/promotion_codes", (p) => {
    p.only(["promotion", "code", "active", "customer", "expires_at", "max_redemptions", "restrictions", "metadata"], KNOWN.promotionCreate);
    const promotion = p.obj("promotion")?.only(["coupon", "type"]);
    if (!promotion) throw parameterMissing("promotion");
    if ((promotion.str("type") ?? "coupon") !== "coupon")
      throw invalidRequest("Invalid promotion[type]: must be coupon", "promotion[type]");
    const coupon = store.coupons.get(promotion.required("coupon"), "promotion[coupon]");
    const code = p.str("code") ?? randomBase62(8).toUpperCase();
    if (!/^[A-Za-z0-9_-]{1,500}$/.test(code))
      throw invalidRequest("Promotion codes can only contain letters, digits, dashes and underscores.", "code");
    if (store.promotionCodes.all().some((x) => x.active && x.code.toLowerCase() === code.toLowerCase()))
      throw invalidRequest(`An active promotion code with \`code: ${code}\` already exists.`, "code", "resource_already_exists");
    const r = p.obj("restrictions")?.only(["first_time_transaction", "minimum_amount", "minimum_amount_currency"], ["currency_options"]);
    const customer = p.str("customer") ?? null;
    if (customer) store.customers.get(customer, "customer");
    const at = wall();
    const promo = store.promotionCodes.add({
      id: newId("promotionCode"),
      created: at,
      code,
      coupon: coupon.id,
      active: p.bool("active") ?? true,
      customer,
      expiresAt: p.int("expires_at") ?? null,
      maxRedemptions: p.int("max_redemptions") ?? null,
      timesRedeemed: 0,
      firstTimeTransaction: r?.bool("first_time_transaction") ?? false,
      minimumAmount: r?.int("minimum_amount") ?? null,
      minimumAmountCurrency: r?.str("minimum_amount_currency")?.toLowerCase() ?? null,
      metadata: mergeMetadata({}, p.metadata()),
    });
    if (promo.minimumAmount !== null && !promo.minimumAmountCurrency) throw parameterMissing("restrictions[minimum_amount_currency]");
    emit(ctx, "promotion_code.created", promotionCodeView(promo), at);
    return one(p, promotionCodeView(promo));
  });
  route("GET", "/v1/promotion_codes", (p) => {
    p.only([...LIST_PAGE, "code", "coupon", "active", "customer", "created"], ["customer_account"]);
    const code = p.str("code");
    const coupon = p.str("coupon");
    const active = p.bool("active");
    const customer = p.str("customer");
    const items = store.promotionCodes
      .newestFirst()
      .filter(
        (x) =>
          (!code || x.code === code) &&
          (!coupon || x.coupon === coupon) &&
          (active === undefined || x.active === active) &&
          (!customer || x.customer === customer),
      );
    return expand(ctx, list(items, p, "/v1/promotion_codes", "promotion code", promotionCodeView), p.strings("expand"));
  });
  route("GET", "/v1/promotion_codes/:id", (p, m) => one(p, promotionCodeView(store.promotionCodes.get(get(m)))));
  route("POST", "/v1/promotion_codes/:id", (p, m) => {
    p.only(["active", "metadata"], ["restrictions"]);
    const promo = store.promotionCodes.get(get(m));
    emitIfChanged(
      ctx,
      "promotion_code.updated",
      () => promotionCodeView(promo),
      wall(),
      () => {
        if (p.has("active")) promo.active = p.bool("active") ?? true;
        if (p.has("metadata")) promo.metadata = mergeMetadata(promo.metadata, p.metadata());
      },
    );
    return one(p, promotionCodeView(promo));
  });

  route("POST", "/v1/checkout/sessions", (p) => {
    const view = createCheckoutSession(p);
    const paths = p.strings("expand");
    return paths.includes("line_items") ? checkoutView(p, view.id as string) : one(p, view);
  });
  route("GET", "/v1/checkout/sessions", (p) => {
    p.only(
      [...LIST_PAGE, "customer", "subscription", "status", "created"],
      ["customer_account", "customer_details", "payment_intent", "payment_link"],
    );
    const customer = p.str("customer");
    const subscription = p.str("subscription");
    const status = p.oneOf("status", ["open", "complete", "expired"] as const);
    const items = store.checkoutSessions
      .newestFirst()
      .map((cs) => checkoutSession(cs.id))
      .filter(
        (cs) =>
          (!customer || cs.customer === customer) &&
          (!subscription || cs.subscription === subscription) &&
          (!status || cs.status === status),
      );
    return expand(
      ctx,
      list(items, p, "/v1/checkout/sessions", "checkout.session", (cs) => checkoutSessionView(ctx, cs)),
      p.strings("expand"),
    );
  });
  route("GET", "/v1/checkout/sessions/:id", (p, m) => checkoutView(p, get(m)));
  route("GET", "/v1/checkout/sessions/:id/line_items", (p, m) => {
    p.only(LIST_PAGE);
    const cs = checkoutSession(get(m));
    const data = checkoutLineItemsView(ctx, cs);
    const page = paginate(
      data.map((item) => ({ ...item, id: item.id as string, created: 0 })),
      p,
      "line item",
    );
    return expand(
      ctx,
      { object: "list", data: page.data, has_more: page.has_more, url: `/v1/checkout/sessions/${cs.id}/line_items` },
      p.strings("expand"),
    );
  });
  route("POST", "/v1/checkout/sessions/:id/expire", (p, m) => {
    const cs = checkoutSession(get(m));
    if (cs.status !== "open") throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired.`);
    cs.status = "expired";
    cs.pending = null;
    emit(ctx, "checkout.session.expired", checkoutSessionView(ctx, cs), wall());
    return one(p, checkoutSessionView(ctx, cs));
  });

  route("POST", "/v1/billing_portal/sessions", (p) => {
    p.only(["customer", "return_url", "locale"], KNOWN.portalCreate);
    const customer = store.customers.get(p.required("customer"), "customer");
    const returnUrl = p.str("return_url") ?? null;
    if (returnUrl && !/^https?:\/\//.test(returnUrl)) throw invalidRequest("Not a valid URL", "return_url", "url_invalid");
    const session = store.portalSessions.add({
      id: newId("portalSession"),
      created: customerNow(customer),
      customer: customer.id,
      returnUrl,
      locale: p.str("locale") ?? null,
      flow: null,
      pending: null,
      notice: null,
    });
    return one(p, portalSessionView(ctx, session));
  });

  route("POST", "/v1/subscriptions", (p) => one(p, createSubscriptionRoute(p)));
  route("GET", "/v1/subscriptions", (p) => expand(ctx, listSubscriptions(p), p.strings("expand")));
  route("GET", "/v1/subscriptions/:id", (p, m) => one(p, subscriptionView(ctx, subscriptionOf(get(m)))));
  route("POST", "/v1/subscriptions/:id", (p, m) => one(p, updateSubscriptionRoute(p, get(m))));
  route("DELETE", "/v1/subscriptions/:id", (p, m) => {
    p.only(["invoice_now", "prorate", "cancellation_details"]);
    const sub = subscriptionOf(get(m));
    const details = p.obj("cancellation_details")?.only(["comment", "feedback"]);
    cancelSubscription(ctx, sub, customerNow(store.customers.get(sub.customer)), {
      prorate: p.bool("prorate") ?? false,
      invoiceNow: p.bool("invoice_now") ?? false,
      ...(details ? { feedback: details.str("feedback") ?? null, comment: details.str("comment") ?? null } : {}),
    });
    return one(p, subscriptionView(ctx, sub));
  });
  route("DELETE", "/v1/subscriptions/:id/discount", (_p, m) => {
    const sub = subscriptionOf(get(m));
    const removed = sub.discounts[0];
    if (!removed) throw invalidRequest(`The subscription ${sub.id} has no discount.`, undefined, "resource_missing", 404);
    emitIfChanged(
      ctx,
      "customer.subscription.updated",
      () => subscriptionView(ctx, sub),
      customerNow(store.customers.get(sub.customer)),
      () => {
        sub.discounts = [];
      },
    );
    return { id: removed, object: "discount", deleted: true };
  });
  route("POST", "/v1/subscriptions/:id/pause", (p, m) => {
    p.only(["type", "invoicing_behavior"], ["bill_for"]);
    const sub = subscriptionOf(get(m));
    if ((p.str("type") ?? "subscription") !== "subscription") throw invalidRequest("Invalid type: must be subscription", "type");
    pauseSubscription(ctx, sub, customerNow(store.customers.get(sub.customer)));
    return one(p, subscriptionView(ctx, sub));
  });
  route("POST", "/v1/subscriptions/:id/resume", (p, m) => {
    p.only(["billing_cycle_anchor", "proration_behavior", "payment_behavior"], ["proration_date"]);
    const sub = subscriptionOf(get(m));
    resumeSubscription(ctx, sub, customerNow(store.customers.get(sub.customer)), {
      billingCycleAnchor: anchorParam(p) ?? "now",
      prorationBehavior: p.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ?? "create_prorations",
      paymentBehavior:
        p.oneOf("payment_behavior", ["resume_on_payment_attempt", "resume_on_payment_success"] as const) ?? "resume_on_payment_attempt",
    });
    return one(p, subscriptionView(ctx, sub));
  });
  route("GET", "/v1/subscription_items", (p) => {
    p.only([...LIST_PAGE, "subscription"]);
    const sub = subscriptionOf(p.required("subscription"));
    const items = sub.items.map((item) => ({ ...item }));
    return expand(
      ctx,
      list(items, p, "/v1/subscription_items", "subscription item", (item) => subscriptionItemView(ctx, item, sub)),
      p.strings("expand"),
    );
  });
  route("GET", "/v1/subscription_items/:id", (p, m) => {
    const sub = store.subscriptions.all().find((s) => s.items.some((i) => i.id === get(m)));
    const item = sub?.items.find((i) => i.id === get(m));
    if (!sub || !item) throw resourceMissing("subscription item", get(m));
    return one(p, subscriptionItemView(ctx, item, sub));
  });

  route("GET", "/v1/invoices", (p) => {
    p.only([...LIST_PAGE, "customer", "subscription", "status", "created", "collection_method"], ["customer_account", "due_date"]);
    const customer = p.str("customer");
    const subscription = p.str("subscription");
    const status = p.oneOf("status", ["draft", "open", "paid", "uncollectible", "void"] as const);
    const created = createdFilter(p);
    const items = store.invoices
      .newestFirst()
      .filter(
        (i) =>
          (!customer || i.customer === customer) &&
          (!subscription || i.subscription === subscription) &&
          (!status || i.status === status) &&
          created(i.created),
      );
    return expand(
      ctx,
      list(items, p, "/v1/invoices", "invoice", (i) => invoiceView(ctx, i)),
      p.strings("expand"),
    );
  });
  route("POST", "/v1/invoices/create_preview", (p) => one(p, previewRoute(p)));
  route("GET", "/v1/invoices/:id", (p, m) => one(p, invoiceView(ctx, invoiceOf(get(m)))));
  route("GET", "/v1/invoices/:id/lines", (p, m) => {
    p.only(LIST_PAGE);
    const inv = invoiceOf(get(m));
    const lines = inv.lines.map((line) => ({ ...line, created: 0 }));
    return expand(
      ctx,
      list(lines, p, `/v1/invoices/${inv.id}/lines`, "line item", (line) => invoiceLineView(ctx, line, inv.id)),
      p.strings("expand"),
    );
  });
  route("POST", "/v1/invoices/:id/pay", (p, m) => one(p, payInvoice(p, get(m))));
  route("POST", "/v1/invoices/:id/finalize", (p, m) => {
    p.only(["auto_advance"]);
    const inv = invoiceOf(get(m));
    if (inv.status !== "draft")
      throw invalidRequest(
        "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
        undefined,
        "invoice_not_editable",
      );
    const at = customerNow(store.customers.get(inv.customer));
    finalizeInvoice(ctx, inv, at);
    if (p.bool("auto_advance") !== false && isOpen(inv)) attemptPayment(ctx, inv, at, { offSession: true, automatic: true });
    return one(p, invoiceView(ctx, inv));
  });
  route("POST", "/v1/invoices/:id/void", (p, m) => {
    const inv = invoiceOf(get(m));
    if (inv.status !== "open" && inv.status !== "uncollectible")
      throw invalidRequest(
        `You can only void an open or uncollectible invoice. This invoice is ${inv.status}.`,
        undefined,
        "invoice_not_editable",
      );
    voidInvoice(ctx, inv, customerNow(store.customers.get(inv.customer)));
    return one(p, invoiceView(ctx, inv));
  });
  route("POST", "/v1/invoices/:id/mark_uncollectible", (p, m) => {
    const inv = invoiceOf(get(m));
    if (inv.status !== "open")
      throw invalidRequest(
        `You can only mark an open invoice as uncollectible. This invoice is ${inv.status}.`,
        undefined,
        "invoice_not_editable",
      );
    markUncollectible(ctx, inv, customerNow(store.customers.get(inv.customer)));
    return one(p, invoiceView(ctx, inv));
  });

  route("GET", "/v1/tax_rates", (p) => {
    p.only([...LIST_PAGE, "active", "inclusive", "created"]);
    return list(store.taxRates.newestFirst(), p, "/v1/tax_rates", "tax_rate", taxRateView);
  });
  route("GET", "/v1/tax_rates/:id", (p, m) => one(p, taxRateView(store.taxRates.get(get(m)))));

  route("GET", "/v1/events", (p) => {
    p.only([...LIST_PAGE, "type", "types", "created"], ["delivery_success"]);
    const type = p.str("type");
    const types = p.strings("types");
    if (type && types.length) throw invalidRequest("You may only specify one of these parameters: type, types.", "types");
    const matches = (t: string) =>
      (!type || (type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types.length || types.includes(t));
    const created = createdFilter(p);
    const items = store.events.newestFirst().filter((e) => matches(e.type) && created(e.created));
    return list(items, p, "/v1/events", "event", eventView);
  });
  route("GET", "/v1/events/:id", (p, m) => one(p, eventView(store.events.get(get(m)))));

  route("POST", "/v1/test_helpers/test_clocks", (p) => {
    p.only(["frozen_time", "name"]);
    const frozen = p.int("frozen_time");
    if (frozen === undefined) throw parameterMissing("frozen_time");
    const at = wall();
    const clock = store.testClocks.add({
      id: newId("testClock"),
      created: at,
      name: p.str("name") ?? null,
      frozenTime: frozen,
      status: "ready",
      target: null,
      deletesAfter: at + 30 * 86400,
      deleted: false,
    });
    emit(ctx, "test_helpers.test_clock.created", testClockView(clock), at);
    return one(p, testClockView(clock));
  });
  route("GET", "/v1/test_helpers/test_clocks", (p) => {
    p.only(LIST_PAGE);
    return list(
      store.testClocks.newestFirst().filter((c) => !c.deleted),
      p,
      "/v1/test_helpers/test_clocks",
      "test_helpers.test_clock",
      testClockView,
    );
  });
  route("GET", "/v1/test_helpers/test_clocks/:id", (p, m) => one(p, testClockView(store.testClocks.get(get(m)))));
  route("DELETE", "/v1/test_helpers/test_clocks/:id", (_p, m) => {
    const clock = store.testClocks.get(get(m));
    for (const c of store.customers.all()) if (c.testClock === clock.id) c.deleted = true;
    for (const s of store.subscriptions.all()) if (s.testClock === clock.id) s.status = "canceled";
    clock.deleted = true;
    emit(ctx, "test_helpers.test_clock.deleted", { ...testClockView({ ...clock, deleted: false }) }, wall());
    return { id: clock.id, object: "test_helpers.test_clock", deleted: true };
  });
  route("POST", "/v1/test_helpers/test_clocks/:id/advance", (p, m) => one(p, advanceClock(p, get(m))));

  return {
    handle(method: string, path: string, params: Params): Json {
      for (const r of routes) {
        const match = r.method === method ? r.pattern.exec(path) : null;
        if (match) return r.handle(params, match.slice(1));
      }
      throw new StripeApiError(
        404,
        "invalid_request_error",
        `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/. (The Fluxor stand-in imitates part of the API: tests/mocks/stripe/README.md.)`,
      );
    },
    /** Runs a test clock's pending advance (after the answer to `advance`). */
    runAdvance(clockId: string, step: (at: number) => void): void {
      const clock = store.testClocks.find(clockId);
      if (!clock || clock.status !== "advancing" || clock.target === null) return;
      advanceTime(ctx, clock.id, clock.target, step);
      clock.status = "ready";
      clock.target = null;
      emit(ctx, "test_helpers.test_clock.ready", testClockView(clock), clock.frozenTime);
      step(clock.frozenTime);
    },
    createCustomerForCheckout(fields: {
      email: string | null;
      name: string | null;
      address: Address | null;
      at: number;
      metadata?: Metadata;
    }): CustomerRec {
      const customer = store.customers.add({
        id: newId("customer"),
        created: fields.at,
        email: fields.email,
        name: fields.name,
        phone: null,
        description: null,
        businessName: null,
        address: fields.address,
        metadata: fields.metadata ?? {},
        balance: 0,
        currency: null,
        invoicePrefix: randomBase62(8)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, "X"),
        nextInvoiceSequence: 1,
        defaultPaymentMethod: null,
        testClock: null,
        taxExempt: "none",
        preferredLocales: [],
        deleted: false,
      });
      emit(ctx, "customer.created", customerView(ctx, customer), fields.at);
      return customer;
    },
    addTaxId,
  };
}

export type Api = ReturnType<typeof createApi>;
