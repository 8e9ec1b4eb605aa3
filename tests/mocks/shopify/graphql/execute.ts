/**
 * One Admin GraphQL request, answered like Shopify: graphql-js parse/validate/execute, errors with
 * HTTP 200, calculated cost in `extensions.cost`, THROTTLED when the bucket lacks the points, and
 * MAX_COST_EXCEEDED above the single-query limit.
 */
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from "graphql";
import type { AdminContext } from "./context";
import type { LeakyBucket, ThrottleStatus } from "./bucket";
import { operationCost } from "./cost";

export const MAX_SINGLE_QUERY_COST = 1_000;

export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface GraphqlResponse {
  data?: unknown;
  errors?: unknown[];
  extensions?: { cost: CostExtension };
}

function errorsOf(errors: readonly GraphQLError[]): unknown[] {
  return errors.map((error) => error.toJSON());
}

export async function runAdminGraphql(
  schema: GraphQLSchema,
  bucket: LeakyBucket,
  context: AdminContext,
  request: GraphqlRequest,
): Promise<{ status: number; body: GraphqlResponse | { errors: unknown } }> {
  if (typeof request.query !== "string" || !request.query.trim()) {
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
  }
  const variables =
    request.variables && typeof request.variables === "object" && !Array.isArray(request.variables)
      ? (request.variables as Record<string, unknown>)
      : {};
  const operationName = typeof request.operationName === "string" ? request.operationName : undefined;

  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return { status: 200, body: { errors: errorsOf([error instanceof GraphQLError ? error : new GraphQLError(String(error))]) } };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length) return { status: 200, body: { errors: errorsOf(validationErrors) } };
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName
      ? `No operation named "${operationName}"`
      : "An operation name is required when sending multiple operations.";
    return { status: 200, body: { errors: [{ message }] } };
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const costInput = { schema, operation, fragments, variables };

  const requested = operationCost(costInput);
  if (requested > MAX_SINGLE_QUERY_COST) {
    return {
      status: 200,
      body: {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
            extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_SINGLE_QUERY_COST },
          },
        ],
      },
    };
  }
  if (!bucket.take(requested)) {
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: bucket.status() } },
      },
    };
  }
  const result = await execute({ schema, document, operationName, variableValues: variables, contextValue: context });
  const actual = result.data ? Math.min(requested, operationCost(costInput, result.data)) : 0;
  bucket.refund(requested - actual);
  return {
    status: 200,
    body: {
      ...(result.errors ? { errors: errorsOf(result.errors) } : {}),
      ...(result.data !== undefined ? { data: result.data } : {}),
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() } },
    },
  };
}
