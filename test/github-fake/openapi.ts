import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * GitHub's published OpenAPI description (api.github.com, from `@octokit/openapi`), used to
 * check every answer of the fake and every request the client sends. The file is OpenAPI 3.0.3:
 * JSON Schema draft-04-ish plus `nullable`, which this module rewrites into plain JSON Schema
 * before handing the few schemas the fake needs to ajv.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface OpenApiOperation {
  operationId: string;
  method: string;
  /** The path template as the description spells it, e.g. `/repos/{owner}/{repo}/pulls`. */
  path: string;
  /** Where GitHub documents it; its error bodies carry this as `documentation_url`. */
  documentationUrl: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject;
}

const SCHEMA_ID = 'https://api.github.com/openapi.json';
const SPEC_VERSION = '23.0.2';

let spec: JsonObject | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();
const registered = new Set<string>();

/** Loads the description once per process (13 MB of JSON: about a second). */
function loadSpec(): JsonObject {
  if (spec) return spec;
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('@octokit/openapi/package.json');
  const packageJson = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string };
  if (packageJson.version !== SPEC_VERSION)
    throw new Error(
      `@octokit/openapi ${packageJson.version} is installed, the fake is pinned to ${SPEC_VERSION}: run \`npx -y pnpm@10.34.9 install\``,
    );
  spec = JSON.parse(readFileSync(join(dirname(packageJsonPath), 'generated', 'api.github.com.json'), 'utf8'));
  return spec as JsonObject;
}

function getAjv(): Ajv {
  if (ajv) return ajv;
  // strict off: the description carries OpenAPI keywords (example, discriminator, x-*) ajv does not know.
  ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  // GitHub sends "" for an unset URL that its description types as `format: uri` with
  // `default: ""` (a deployment status without log_url): the real answer must pass.
  const uri = ajv.formats.uri;
  ajv.addFormat('uri', {
    type: 'string',
    validate: (value: string) =>
      value === '' ||
      (typeof uri === 'function' ? uri(value) : uri instanceof RegExp ? uri.test(value) : true),
  });
  ajv.addSchema({ $id: SCHEMA_ID, components: {} });
  return ajv;
}

function asObject(value: Json | undefined): JsonObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** Follows a local `$ref` such as `#/components/responses/not_found` in the description. */
function resolvePointer(ref: string): Json | undefined {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: Json | undefined = loadSpec();
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = asObject(node)?.[key];
  }
  return node;
}

function deref(value: Json | undefined): JsonObject | undefined {
  const object = asObject(value);
  if (object && typeof object.$ref === 'string') return asObject(resolvePointer(object.$ref));
  return object;
}

/** The operation the description documents for `method` on a path template. */
export function getOperation(method: string, path: string): OpenApiOperation {
  const operation = asObject(asObject(asObject(loadSpec().paths)?.[path])?.[method.toLowerCase()]);
  if (!operation) throw new Error(`GitHub's OpenAPI description has no ${method} ${path}`);
  const docs = asObject(operation.externalDocs);
  return {
    operationId: String(operation.operationId),
    method: method.toUpperCase(),
    path,
    documentationUrl: typeof docs?.url === 'string' ? docs.url : 'https://docs.github.com/rest',
  };
}

function rawOperation(operation: OpenApiOperation): JsonObject {
  const raw = asObject(
    asObject(asObject(loadSpec().paths)?.[operation.path])?.[operation.method.toLowerCase()],
  );
  if (!raw) throw new Error(`no operation ${operation.operationId}`);
  return raw;
}

/**
 * Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema (a `null` type, and `null` in an
 * `enum`), and copies every `#/components/...` schema it meets into ajv's copy of the document,
 * so that only the schemas the fake uses are compiled.
 */
function toJsonSchema(node: Json, pending: string[]): Json {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, pending));
  if (!node || typeof node !== 'object') return node;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') {
      if (!value.startsWith('#/components/schemas/')) throw new Error(`unsupported schema $ref ${value}`);
      pending.push(value);
      result.$ref = `${SCHEMA_ID}${value}`;
      continue;
    }
    // `properties` maps names to schemas: a property may be called `nullable` or `example`.
    if (key === 'properties' && asObject(value)) {
      result.properties = Object.fromEntries(
        Object.entries(value as JsonObject).map(([name, schema]) => [name, toJsonSchema(schema, pending)]),
      );
      continue;
    }
    result[key] = toJsonSchema(value, pending);
  }
  if (node.nullable === true) {
    if (typeof result.type === 'string') result.type = [result.type, 'null'];
    else if (result.type === undefined) return { anyOf: [result, { type: 'null' }] };
    if (Array.isArray(result.enum) && !result.enum.includes(null)) result.enum = [...result.enum, null];
  }
  return result;
}

/** Adds the component schemas a converted schema refers to, transitively. */
function registerComponents(pending: string[]): void {
  const validator = getAjv();
  const root = validator.getSchema(SCHEMA_ID)?.schema as { components: { schemas?: JsonObject } } | undefined;
  if (!root) throw new Error('the OpenAPI root schema is not registered');
  let added = false;
  while (pending.length > 0) {
    const ref = pending.pop() as string;
    if (registered.has(ref)) continue;
    registered.add(ref);
    const name = ref.slice('#/components/schemas/'.length);
    const schema = resolvePointer(ref);
    if (schema === undefined) throw new Error(`GitHub's OpenAPI description has no ${ref}`);
    root.components.schemas ??= {};
    root.components.schemas[name] = toJsonSchema(schema, pending);
    added = true;
  }
  if (added) {
    // ajv compiles a document once: swap in the grown copy and drop what was compiled from the old one.
    validator.removeSchema(SCHEMA_ID);
    validator.addSchema(root as unknown as JsonObject, SCHEMA_ID);
    compiled.clear();
  }
}

function compile(key: string, schema: Json): ValidateFunction {
  const known = compiled.get(key);
  if (known) return known;
  const pending: string[] = [];
  const converted = toJsonSchema(schema, pending);
  registerComponents(pending);
  const validate = getAjv().compile(asObject(converted) ?? {});
  compiled.set(key, validate);
  return validate;
}

function describeErrors(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).slice(0, 20).map((error) => {
    const at = `${where}${error.instancePath}`;
    const extra =
      error.keyword === 'additionalProperties'
        ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
        : error.keyword === 'enum'
          ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${at} ${error.message ?? error.keyword}${extra}`;
  });
}

function validateAgainst(key: string, schema: Json, value: unknown, where: string): string[] {
  const validate = compile(key, schema);
  return validate(value) ? [] : describeErrors(validate.errors, where);
}

export interface ResponseToCheck {
  status: number;
  headers: Record<string, string | undefined>;
  /** The body as sent: empty string for none. */
  body: string;
}

const BASIC_ERROR_REF: JsonObject = { $ref: '#/components/schemas/basic-error' };

/**
 * Checks a response against the operation: the status is documented (an undocumented error
 * status must still have GitHub's error shape), the JSON body matches its schema, a body-less
 * answer has no body, and each documented header that is sent matches its schema.
 */
export function validateResponse(operation: OpenApiOperation, response: ResponseToCheck): string[] {
  const responses = asObject(rawOperation(operation).responses) ?? {};
  const documented = deref(responses[String(response.status)]);
  const errors: string[] = [];
  let schema: Json | undefined;
  if (documented) {
    schema = asObject(asObject(asObject(documented.content)?.['application/json'])?.schema);
  } else if (response.status >= 400) {
    // GitHub answers 401/404/422/5xx on every operation, documented or not, with its error shape.
    schema = BASIC_ERROR_REF;
  } else {
    return [`status ${response.status} is not documented for ${operation.operationId}`];
  }

  if (schema === undefined) {
    if (response.body !== '')
      errors.push(`status ${response.status} has no body in the description, but one was sent`);
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      return [
        `status ${response.status} must have a JSON body, got ${JSON.stringify(response.body.slice(0, 80))}`,
      ];
    }
    const contentType = response.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/json'))
      errors.push(`content-type is ${JSON.stringify(contentType)}, not application/json`);
    errors.push(
      ...validateAgainst(
        `${operation.operationId} ${documented ? response.status : 'error'}`,
        schema,
        parsed,
        'body',
      ),
    );
  }

  for (const [name, header] of Object.entries(asObject(documented?.headers) ?? {})) {
    const definition = deref(header);
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) {
      if (definition?.required === true) errors.push(`header ${name} is required but was not sent`);
      continue;
    }
    const headerSchema = asObject(definition?.schema);
    if (headerSchema)
      errors.push(
        ...validateAgainst(
          `${operation.operationId} ${response.status} header ${name}`,
          headerSchema,
          coerce(value, headerSchema),
          `header ${name}`,
        ),
      );
  }
  const link = response.headers.link;
  if (
    link !== undefined &&
    !/^<[^>]+>; rel="(next|last|prev|first)"(, <[^>]+>; rel="(next|last|prev|first)")*$/.test(link)
  )
    errors.push(`header Link ${JSON.stringify(link)} is not GitHub's <url>; rel="…" list`);
  return errors;
}

export interface RequestToCheck {
  /** Path parameters, decoded. */
  pathParams: Record<string, string>;
  query: URLSearchParams;
  /** The raw body; empty for none. */
  body: string;
  /** Query parameters allowed beyond the documented ones: `page`, which GitHub's own Link headers add. Default: none. */
  alsoAllowed?: readonly string[];
}

function parameters(operation: OpenApiOperation): Parameter[] {
  const raw = rawOperation(operation);
  const list = Array.isArray(raw.parameters) ? raw.parameters : [];
  return list.map((entry) => deref(entry) as unknown as Parameter);
}

/**
 * Checks a request against the operation: path and query parameters match their schemas, no
 * query parameter the operation does not know, and the JSON body matches the request body
 * schema with no unknown top-level field. GitHub silently ignores an unknown field — which is
 * exactly how a misspelt one would go unnoticed, so here it fails.
 */
export function validateRequest(operation: OpenApiOperation, request: RequestToCheck): string[] {
  const errors: string[] = [];
  const known = parameters(operation);
  for (const parameter of known.filter((entry) => entry.in === 'path')) {
    const value = request.pathParams[parameter.name];
    if (value === undefined) errors.push(`path parameter ${parameter.name} is missing`);
    else
      errors.push(
        ...validateAgainst(
          `${operation.operationId} path ${parameter.name}`,
          parameter.schema,
          coerce(value, parameter.schema),
          `path {${parameter.name}}`,
        ),
      );
  }
  for (const [name, value] of request.query) {
    const parameter = known.find((entry) => entry.in === 'query' && entry.name === name);
    if (!parameter && request.alsoAllowed?.includes(name)) continue;
    if (!parameter) {
      errors.push(`query parameter ${name} is not a parameter of ${operation.operationId}`);
      continue;
    }
    errors.push(
      ...validateAgainst(
        `${operation.operationId} query ${name}`,
        parameter.schema,
        coerce(value, parameter.schema),
        `query ${name}`,
      ),
    );
  }

  const requestBody = deref(rawOperation(operation).requestBody);
  const schema = asObject(asObject(asObject(requestBody?.content)?.['application/json'])?.schema);
  if (request.body === '') {
    if (requestBody?.required === true)
      errors.push(`${operation.operationId} needs a JSON body, none was sent`);
    return errors;
  }
  if (!schema) return [...errors, `${operation.operationId} takes no body, one was sent`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return [...errors, 'the body is not JSON'];
  }
  const strict = asObject(deref(schema)) ?? schema;
  const closed: JsonObject =
    strict.type === 'object' && strict.properties ? { ...strict, additionalProperties: false } : strict;
  errors.push(...validateAgainst(`${operation.operationId} request`, closed, parsed, 'request body'));
  return errors;
}

/** Query, path and header values arrive as strings; the schema may say integer or boolean. */
function coerce(value: string, schema: JsonObject): unknown {
  const type = schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
