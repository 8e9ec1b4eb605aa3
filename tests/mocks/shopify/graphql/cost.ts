/**
 * Calculated query cost with Shopify's documented rules: scalars and enums 0, objects 1,
 * connections 2 + (first|last) × (cost of one node), unions and interfaces the most costly of their possible
 * types' selections, mutations 10. The requested cost is computed
 * from the query; the actual cost from the data returned (connections count the nodes they held).
 * A list field costs its item times the most items it can return: its `first` argument, or the number
 * of `ids` asked for (`nodes(ids:)`), else one.
 */
import {
  getNamedType,
  getNullableType,
  isListType,
  isAbstractType,
  isCompositeType,
  isLeafType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FieldNode,
  type ValueNode,
} from "graphql";

export const MUTATION_COST = 10;

interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function intArgument(field: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((candidate) => candidate.name.value === name);
  if (!arg) return undefined;
  const value: ValueNode = arg.value;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === "number" ? given : undefined;
  }
  return undefined;
}

function fieldsOf(type: GraphQLCompositeType): Record<string, GraphQLField<unknown, unknown>> {
  return "getFields" in type ? type.getFields() : {};
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The most items a list field can return, for the requested cost. */
function listSize(field: FieldNode, variables: Record<string, unknown>): number {
  const first = intArgument(field, "first", variables);
  if (first !== undefined) return first;
  const ids = field.arguments?.find((candidate) => candidate.name.value === "ids")?.value;
  if (ids?.kind === Kind.LIST) return ids.values.length;
  if (ids?.kind === Kind.VARIABLE) {
    const given = variables[ids.name.value];
    return Array.isArray(given) ? given.length : 1;
  }
  return 1;
}

/** Cost of a selection set on `type`; with `data`, the actual cost of what was returned. */
function selectionCost(input: CostInput, set: SelectionSetNode, type: GraphQLCompositeType, data: unknown, actual: boolean): number {
  let total = 0;
  // On a union or interface, the fragments of each possible type add up per type; the most costly type counts.
  const byType = new Map<string, number>();
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : input.fragments[selection.name.value];
      if (!fragment) continue;
      const condition = fragment.typeCondition ? input.schema.getType(fragment.typeCondition.name.value) : type;
      if (!condition || !isCompositeType(condition)) continue;
      const cost = selectionCost(input, fragment.selectionSet, condition, data, actual);
      if (isAbstractType(type) && condition !== type) byType.set(condition.name, (byType.get(condition.name) ?? 0) + cost);
      else total += cost;
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith("__")) continue;
    const definition = isAbstractType(type) ? undefined : fieldsOf(type)[name];
    const named = definition ? getNamedType(definition.type) : undefined;
    if (!named || isLeafType(named) || !selection.selectionSet || !isCompositeType(named)) continue;
    const value = actual ? record(data)?.[selection.alias?.value ?? name] : undefined;
    if (actual && (value === null || value === undefined)) continue;
    if (named.name.endsWith("Connection")) {
      total += connectionCost(input, selection, named, value, actual);
    } else if (actual && Array.isArray(value)) {
      for (const item of value) total += 1 + selectionCost(input, selection.selectionSet, named, item, actual);
    } else if (!actual && definition && isListType(getNullableType(definition.type))) {
      total += listSize(selection, input.variables) * (1 + selectionCost(input, selection.selectionSet, named, undefined, false));
    } else {
      total += 1 + selectionCost(input, selection.selectionSet, named, value, actual);
    }
  }
  return total + Math.max(0, ...byType.values());
}

function connectionCost(input: CostInput, field: FieldNode, connection: GraphQLCompositeType, value: unknown, actual: boolean): number {
  const edgeType = getNamedType(fieldsOf(connection).edges?.type);
  const nodeType = getNamedType(fieldsOf(connection).nodes?.type);
  // The cost of one node, wherever the query selects it (edges { node } or nodes).
  let perNode = 0;
  let returned = 0;
  const data = record(value);
  for (const selection of field.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.FIELD) continue;
    if (selection.name.value === "nodes" && selection.selectionSet && nodeType && isCompositeType(nodeType)) {
      const items = actual ? data?.[selection.alias?.value ?? "nodes"] : undefined;
      if (actual && Array.isArray(items)) {
        returned = Math.max(returned, items.length);
        for (const item of items) perNode += 1 + selectionCost(input, selection.selectionSet, nodeType, item, actual);
      } else perNode = Math.max(perNode, 1 + selectionCost(input, selection.selectionSet, nodeType, undefined, false));
    }
    if (selection.name.value === "edges" && selection.selectionSet && edgeType && isCompositeType(edgeType)) {
      const edges = actual ? data?.[selection.alias?.value ?? "edges"] : undefined;
      for (const inner of selection.selectionSet.selections) {
        if (inner.kind !== Kind.FIELD || inner.name.value !== "node" || !inner.selectionSet || !nodeType || !isCompositeType(nodeType))
          continue;
        if (actual && Array.isArray(edges)) {
          returned = Math.max(returned, edges.length);
          let sum = 0;
          for (const edge of edges)
            sum += 1 + selectionCost(input, inner.selectionSet, nodeType, record(edge)?.[inner.alias?.value ?? "node"], actual);
          perNode = Math.max(perNode, sum);
        } else perNode = Math.max(perNode, 1 + selectionCost(input, inner.selectionSet, nodeType, undefined, false));
      }
    }
  }
  if (actual) return 2 + (perNode || returned);
  const size = intArgument(field, "first", input.variables) ?? intArgument(field, "last", input.variables) ?? 0;
  return 2 + size * Math.max(1, perNode);
}

/** Requested (from the query) or actual (from `data`) cost of an operation. */
export function operationCost(input: CostInput, data?: unknown): number {
  const { operation, schema } = input;
  if (operation.operation === "mutation") {
    return operation.selectionSet.selections.filter((s) => s.kind !== Kind.FIELD || !s.name.value.startsWith("__")).length * MUTATION_COST;
  }
  const root = operation.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 0;
  return Math.max(1, selectionCost(input, operation.selectionSet, root, data, data !== undefined));
}
