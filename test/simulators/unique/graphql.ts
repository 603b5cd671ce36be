/**
 * GraphQL transport (§3): parse the document, route each root field to its operation
 * on this endpoint, validate the selection against the operation's result shape
 * before anything runs, execute, and project the result onto the selection.
 * Malformed or invalid documents are HTTP 400; resolver errors are HTTP 200 with
 * `errors[0].extensions.response.statusCode`.
 */
import { SimError, graphqlErrorBody, isRecord } from './errors.js';
import { evaluate, parseOperation, ParseError, type FieldNode, type OperationNode } from './graphql-parser.js';
import type { Reply } from './http-util.js';
import type { Store } from './store.js';

export type Endpoint = 'ingestion' | 'scopeManagement';
export type Shape = 'leaf' | { type: string; fields: Record<string, Shape> };

export interface OperationContext {
  store: Store;
  /** The authenticated user (x-user-id or the token's service user). */
  userId: string;
  /** A fault asked deleteFolder to report failure. */
  failedFolders: boolean;
  ingestionDelayMs: number;
  /** Schedules deferred state changes; cancelled when the simulator closes. */
  later(ms: number, fn: () => void): void;
}

export interface OperationDef {
  kind: 'query' | 'mutation';
  endpoint: Endpoint;
  result: Shape;
  resolve(args: Record<string, unknown>, ctx: OperationContext): unknown;
}

/** §4.11: defined by the platform, not needed by the connector; answered with an error. */
const NOT_IMPLEMENTED = new Set([
  'contentUpdate', 'contentDelete', 'createFileAccessesForContents', 'removeFileAccessesForContents',
  'deleteScopeAccesses', 'statisticsIngestion', 'paginatedUsers', 'createGroup', 'updateGroup', 'deleteGroup',
  'addGroupMembers', 'removeGroupMembers', 'paginatedGroups',
]);

export interface GraphqlRequest {
  /** First root field, used for routing, faults and the request log. */
  operation?: string;
  variables: Record<string, unknown>;
  document?: OperationNode;
  /** Why the request is malformed (HTTP 400). */
  error?: string;
}

export function readGraphqlRequest(body: unknown): GraphqlRequest {
  if (!isRecord(body) || typeof body.query !== 'string') return { variables: {}, error: 'Body must be a JSON object with a "query" string' };
  if (body.variables !== undefined && body.variables !== null && !isRecord(body.variables)) {
    return { variables: {}, error: '"variables" must be an object' };
  }
  const variables = (body.variables as Record<string, unknown> | undefined | null) ?? {};
  try {
    const document = parseOperation(body.query, typeof body.operationName === 'string' ? body.operationName : null);
    return { operation: document.selection[0]!.name, variables, document };
  } catch (error) {
    if (error instanceof ParseError) return { variables, error: `Syntax Error: ${error.message}` };
    throw error;
  }
}

const badRequest = (message: string, code: string): Reply => ({
  status: 400,
  body: { errors: [{ message, extensions: { code } }] },
});

class ValidationError extends Error {}

function validate(fields: FieldNode[] | null, shape: Shape, where: string): void {
  if (shape === 'leaf') {
    if (fields !== null) throw new ValidationError(`Field "${where}" must not have a selection since it is a scalar`);
    return;
  }
  if (fields === null) throw new ValidationError(`Field "${where}" of type "${shape.type}" must have a selection of subfields`);
  for (const field of fields) {
    if (field.name === '__typename') continue;
    const sub = shape.fields[field.name];
    if (sub === undefined) throw new ValidationError(`Cannot query field "${field.name}" on type "${shape.type}"`);
    validate(field.selection, sub, field.name);
  }
}

function project(value: unknown, fields: FieldNode[] | null, shape: Shape): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => project(item, fields, shape));
  if (shape === 'leaf' || fields === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const key = field.alias ?? field.name;
    out[key] = field.name === '__typename' ? shape.type : project(source[field.name], field.selection, shape.fields[field.name]!);
  }
  return out;
}

export function executeGraphql(
  request: GraphqlRequest,
  endpoint: Endpoint,
  operations: Record<string, OperationDef>,
  ctx: OperationContext,
): Reply {
  if (request.error !== undefined || !request.document) return badRequest(request.error ?? 'Malformed request', 'GRAPHQL_PARSE_FAILED');
  const document = request.document;
  if (document.type === 'subscription') return badRequest('Subscriptions are not supported', 'GRAPHQL_VALIDATION_FAILED');
  const rootType = document.type === 'mutation' ? 'Mutation' : 'Query';
  const planned: { field: FieldNode; def: OperationDef | null }[] = [];
  for (const field of document.selection) {
    if (field.name === '__typename') {
      planned.push({ field, def: null });
      continue;
    }
    if (NOT_IMPLEMENTED.has(field.name)) {
      const error = new SimError(501, 'NOT_IMPLEMENTED', `${field.name} is not implemented by the simulator`);
      return { status: 200, body: graphqlErrorBody(error, field.name) };
    }
    const def = Object.hasOwn(operations, field.name) ? operations[field.name]! : undefined;
    if (!def || def.endpoint !== endpoint || (def.kind === 'mutation') !== (document.type === 'mutation')) {
      return badRequest(`Cannot query field "${field.name}" on type "${rootType}"`, 'GRAPHQL_VALIDATION_FAILED');
    }
    try {
      validate(field.selection, def.result, field.name);
    } catch (error) {
      if (error instanceof ValidationError) return badRequest(error.message, 'GRAPHQL_VALIDATION_FAILED');
      throw error;
    }
    planned.push({ field, def });
  }

  const data: Record<string, unknown> = {};
  for (const { field, def } of planned) {
    const key = field.alias ?? field.name;
    if (!def) {
      data[key] = rootType;
      continue;
    }
    const args: Record<string, unknown> = {};
    for (const [name, node] of Object.entries(field.args)) args[name] = evaluate(node, request.variables, document.variableDefaults);
    try {
      data[key] = project(def.resolve(args, ctx), field.selection, def.result);
    } catch (error) {
      const simError = error instanceof SimError ? error : new SimError(500, 'INTERNAL_SERVER_ERROR', (error as Error).message);
      return { status: 200, body: graphqlErrorBody(simError, field.name) };
    }
  }
  return { status: 200, body: { data } };
}
