/**
 * Mutations: bulk operations (run, cancel) and inventory quantities (set with compare-and-set, adjust),
 * with Shopify's userErrors. Changes go through the store state, which sends inventory_levels/update.
 */
import type { QuantityChange } from "../store/state";
import { gid, parseGid, requireScope } from "./context";
import { resolver as f, type AdjustmentGroupSource, type Resolver } from "./schema";

/** InventoryChangeReason values the Admin API accepts. */
export const INVENTORY_REASONS = new Set([
  "correction",
  "cycle_count_available",
  "damaged",
  "movement_created",
  "movement_updated",
  "movement_received",
  "movement_canceled",
  "other",
  "promotion",
  "quality_control",
  "received",
  "reservation_created",
  "reservation_deleted",
  "reservation_updated",
  "restock",
  "safety_stock",
  "shrinkage",
]);
const QUANTITY_NAMES = new Set(["available", "on_hand"]);

let nextGroupId = 60_000_000_000;

interface UserError {
  code: string;
  field: string[];
  message: string;
}

interface SetInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  ignoreCompareQuantity?: boolean | null;
  quantities: { inventoryItemId: string; locationId: string; quantity: number; compareQuantity?: number | null }[];
}
interface AdjustInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  changes: { inventoryItemId: string; locationId: string; delta: number }[];
}

export const MUTATIONS: Record<string, Record<string, Resolver>> = {
  Mutation: {
    bulkOperationRunQuery: f<unknown, { query: string }>((_s, args, context, info) => {
      void info;
      const { operation, userErrors } = context.shop.bulk.run(args.query, context.scopes);
      return { bulkOperation: operation, userErrors };
    }),
    bulkOperationCancel: f<unknown, { id: string }>((_s, args, context) => {
      const parsed = parseGid(args.id);
      const { operation, userErrors } =
        parsed?.type === "BulkOperation" ? context.shop.bulk.cancel(parsed.id) : context.shop.bulk.cancel(-1);
      return { bulkOperation: operation, userErrors };
    }),

    inventorySetQuantities: f<unknown, { input: SetInput }>((_s, { input }, context, info) => {
      requireScope(context, info, "write_inventory");
      const state = context.shop.state;
      const errors: UserError[] = [];
      if (!QUANTITY_NAMES.has(input.name))
        errors.push({
          code: "INVALID_QUANTITY_NAME",
          field: ["input", "name"],
          message: "The quantity name must be either 'available' or 'on_hand'.",
        });
      if (!INVENTORY_REASONS.has(input.reason))
        errors.push({ code: "INVALID_REASON", field: ["input", "reason"], message: "The specified reason is invalid." });
      const targets: { itemId: number; locationId: number; quantity: number }[] = [];
      input.quantities.forEach((q, index) => {
        const field = (name: string) => ["input", "quantities", String(index), name];
        const item = parseGid(q.inventoryItemId);
        const location = parseGid(q.locationId);
        if (item?.type !== "InventoryItem" || !state.variantOfItem(item.id)) {
          errors.push({
            code: "INVALID_INVENTORY_ITEM",
            field: field("inventoryItemId"),
            message: "The specified inventory item could not be found.",
          });
          return;
        }
        if (location?.type !== "Location" || !state.location(location.id)) {
          errors.push({ code: "INVALID_LOCATION", field: field("locationId"), message: "The specified location could not be found." });
          return;
        }
        const level = state.level(item.id, location.id);
        if (!level) {
          errors.push({
            code: "ITEM_NOT_STOCKED_AT_LOCATION",
            field: field("locationId"),
            message: "The specified inventory item is not stocked at the location.",
          });
          return;
        }
        const persisted = input.name === "on_hand" ? level.onHand : level.available;
        if (!input.ignoreCompareQuantity) {
          if (q.compareQuantity === undefined || q.compareQuantity === null)
            errors.push({
              code: "COMPARE_QUANTITY_REQUIRED",
              field: field("compareQuantity"),
              message: "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
            });
          else if (q.compareQuantity !== persisted)
            errors.push({
              code: "COMPARE_QUANTITY_STALE",
              field: field("compareQuantity"),
              message: "The compareQuantity argument no longer matches the persisted quantity.",
            });
        }
        targets.push({ itemId: item.id, locationId: location.id, quantity: q.quantity });
      });
      // All or nothing: one bad quantity and nothing changes.
      if (errors.length) return { inventoryAdjustmentGroup: null, userErrors: errors };
      const changes: QuantityChange[] = targets.flatMap((t) =>
        state.setQuantity(t.itemId, t.locationId, input.name as "available" | "on_hand", t.quantity),
      );
      const group: AdjustmentGroupSource = {
        id: nextGroupId++,
        createdAt: state.now(),
        reason: input.reason,
        referenceDocumentUri: input.referenceDocumentUri ?? null,
        changes: input.name === "on_hand" ? [...changes].reverse() : changes,
      };
      return { inventoryAdjustmentGroup: group, userErrors: [] };
    }),

    inventoryAdjustQuantities: f<unknown, { input: AdjustInput }>((_s, { input }, context, info) => {
      requireScope(context, info, "write_inventory");
      const state = context.shop.state;
      const errors: UserError[] = [];
      if (!QUANTITY_NAMES.has(input.name))
        errors.push({
          code: "INVALID_QUANTITY_NAME",
          field: ["input", "name"],
          message: "The quantity name must be either 'available' or 'on_hand'.",
        });
      if (!INVENTORY_REASONS.has(input.reason))
        errors.push({ code: "INVALID_REASON", field: ["input", "reason"], message: "The specified reason is invalid." });
      const targets: { itemId: number; locationId: number; delta: number }[] = [];
      input.changes.forEach((c, index) => {
        const field = (name: string) => ["input", "changes", String(index), name];
        const item = parseGid(c.inventoryItemId);
        const location = parseGid(c.locationId);
        if (item?.type !== "InventoryItem" || !state.variantOfItem(item.id))
          errors.push({
            code: "INVALID_INVENTORY_ITEM",
            field: field("inventoryItemId"),
            message: "The specified inventory item could not be found.",
          });
        else if (location?.type !== "Location" || !state.location(location.id))
          errors.push({ code: "INVALID_LOCATION", field: field("locationId"), message: "The specified location could not be found." });
        else if (!state.level(item.id, location.id))
          errors.push({
            code: "ITEM_NOT_STOCKED_AT_LOCATION",
            field: field("locationId"),
            message: "The specified inventory item is not stocked at the location.",
          });
        else targets.push({ itemId: item.id, locationId: location.id, delta: c.delta });
      });
      if (errors.length) return { inventoryAdjustmentGroup: null, userErrors: errors };
      const changes = targets.flatMap((t) => state.adjustQuantity(t.itemId, t.locationId, input.name as "available" | "on_hand", t.delta));
      const group: AdjustmentGroupSource = {
        id: nextGroupId++,
        createdAt: state.now(),
        reason: input.reason,
        referenceDocumentUri: input.referenceDocumentUri ?? null,
        changes: changes.filter((change) => change.name === input.name || input.name === "available"),
      };
      return { inventoryAdjustmentGroup: group, userErrors: [] };
    }),
  },
};

export { gid };
