import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildClientSchema,
  type DocumentNode,
  execute,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  type IntrospectionQuery,
  parse,
  validate,
} from 'graphql';
import type { JsonRecord } from './factories';

/**
 * GitHub's published GraphQL schema (`@octokit/graphql-schema`, the introspection result that
 * GitHub serves), used to check every query the client sends and every answer the fake's
 * resolvers give. The package also ships the schema as SDL, which defines two fields of
 * `EnterpriseOwnerInfo` twice and so fails graphql-js's SDL check; the introspection form is the
 * one its own `validate` builds on.
 */

const SCHEMA_VERSION = '15.26.1';
const SCHEMA_DIR = join(import.meta.dirname, '..', 'node_modules', '@octokit', 'graphql-schema');

let schema: GraphQLSchema | undefined;

/** Loads the schema once per process (5 MB of JSON: about 150 ms). */
export function loadGraphQLSchema(): GraphQLSchema {
  if (schema) return schema;
  const { version } = JSON.parse(readFileSync(join(SCHEMA_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (version !== SCHEMA_VERSION)
    throw new Error(
      `@octokit/graphql-schema ${version} is installed, the fake is pinned to ${SCHEMA_VERSION}: run \`npx -y pnpm@10.34.9 install\``,
    );
  const introspection = JSON.parse(
    readFileSync(join(SCHEMA_DIR, 'schema.json'), 'utf8'),
  ) as IntrospectionQuery;
  schema = buildClientSchema(introspection);
  return schema;
}

/** A GraphQL request that GitHub would run: parsed, valid against the schema, variables coerced. */
export interface CheckedGraphQLRequest {
  document: DocumentNode;
  /** The operation's name; `(anonymous)` for an unnamed one. */
  operationName: string;
  variables: Record<string, unknown>;
}

/** A GraphQL request GitHub would refuse, and how it answers: 200 with `errors` (400 for a body that is not JSON). */
export interface RefusedGraphQLRequest {
  operationName: string;
  status: number;
  body: { message: string } | { errors: GraphQLFormattedError[] };
  /** What broke, for `schemaViolations`. */
  errors: string[];
}

/**
 * Parses, validates and coerces a request body (`{ query, variables, operationName }`) as GitHub's
 * GraphQL endpoint does before running anything.
 */
export function checkGraphQLRequest(body: string): CheckedGraphQLRequest | RefusedGraphQLRequest {
  let request: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return {
      operationName: '(none)',
      status: 400,
      body: { message: 'Problems parsing JSON' },
      errors: ['the body is not JSON'],
    };
  }
  const refuse = (operationName: string, errors: readonly GraphQLError[]): RefusedGraphQLRequest => ({
    operationName,
    status: 200,
    body: { errors: errors.map((error) => error.toJSON()) },
    errors: errors.map((error) => error.message),
  });
  if (typeof request.query !== 'string')
    return {
      operationName: '(none)',
      status: 200,
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      errors: ['no query string in the body'],
    };
  const wantedName = typeof request.operationName === 'string' ? request.operationName : undefined;
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return refuse(wantedName ?? '(unparsed)', [error as GraphQLError]);
  }
  const operation = getOperationAST(document, wantedName);
  const operationName = operation?.name?.value ?? wantedName ?? '(anonymous)';
  const invalid = validate(loadGraphQLSchema(), document);
  if (invalid.length > 0) return refuse(operationName, invalid);
  if (!operation)
    return {
      operationName,
      status: 200,
      body: { errors: [{ message: 'An operation name is required' }] },
      errors: ['the document has several operations and the request names none of them'],
    };
  const variables = request.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables))
    return {
      operationName,
      status: 200,
      body: { errors: [{ message: 'Variables are invalid JSON.' }] },
      errors: ['variables is not an object'],
    };
  const coerced = getVariableValues(
    loadGraphQLSchema(),
    operation.variableDefinitions ?? [],
    variables as Record<string, unknown>,
  );
  if (coerced.errors) return refuse(operationName, coerced.errors);
  return { document, operationName, variables: variables as Record<string, unknown> };
}

/** An error GitHub itself reports in `errors`, with its `type` (NOT_FOUND, FORBIDDEN, UNPROCESSABLE…). */
export class GitHubGraphQLError extends Error {
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

/** A query GitHub refuses beyond the schema's rules, e.g. a connection without `first` or `last`. */
export class GraphQLRequestRefused extends Error {}

export interface GraphQLAnswer {
  /** `{ data, errors? }`, as GitHub answers. */
  body: JsonRecord;
  /** Errors that are the client's fault (GitHub's own rules): recorded as request violations. */
  requestErrors: string[];
  /** Errors that are the fake's fault (an unmodelled field, a wrong type): recorded as response violations. */
  responseErrors: string[];
}

/**
 * Runs a checked request over `root`, the fake's resolvers: every field the query selects must be
 * modelled (a property or method of the object the parent resolved to), so the fake never answers
 * null for something it does not know.
 */
export async function runGraphQL(
  request: CheckedGraphQLRequest,
  root: Record<string, unknown>,
): Promise<GraphQLAnswer> {
  const result = await execute({
    schema: loadGraphQLSchema(),
    document: request.document,
    rootValue: root,
    variableValues: request.variables,
    fieldResolver: strictResolver,
  });
  const requestErrors: string[] = [];
  const responseErrors: string[] = [];
  const errors = (result.errors ?? []).map((error) => {
    const original = error.originalError;
    if (original instanceof GitHubGraphQLError) return { ...error.toJSON(), type: original.type };
    if (original instanceof GraphQLRequestRefused) requestErrors.push(error.message);
    else responseErrors.push(`${error.path?.join('.') ?? ''}: ${error.message}`);
    return error.toJSON();
  });
  const body = { data: result.data ?? null, ...(errors.length > 0 ? { errors } : {}) };
  return {
    // Execution results are JSON: data of scalars and lists, errors of messages and paths.
    body: body as unknown as JsonRecord,
    requestErrors,
    responseErrors,
  };
}

const strictResolver: GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> = (
  source,
  args,
  context,
  info,
) => {
  const object = source as Record<string, unknown>;
  if (!(info.fieldName in object))
    throw new Error(`the fake does not model ${info.parentType.name}.${info.fieldName}`);
  const value = object[info.fieldName];
  return typeof value === 'function' ? value.call(object, args, context, info) : value;
};
