import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';

// `${{ }}` as the runner evaluates it, with GitHub's own expression engine: the contexts are plain
// JSON (github, env, inputs, steps, needs, matrix, secrets, …) and the status functions answer
// from the state of the job or step being decided.

/** What `success()`, `failure()` and `cancelled()` answer at the point of evaluation. */
export interface Status {
  /** Nothing before this point failed (the needs of a job, or the earlier steps of a job). */
  success: boolean;
  /** Something before this point failed. */
  failure: boolean;
  /** The run, or a job before this one, was cancelled. Default: false. */
  cancelled?: boolean;
}

export interface Scope {
  contexts: Record<string, unknown>;
  status: Status;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'] as const;
const STATUS_CALL = /\b(success|failure|cancelled|always)\s*\(/i;
const WHOLE_EXPRESSION = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/;
const EMBEDDED_EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

function statusFunctions(status: Status): Map<string, FunctionDefinition> {
  const answers: Record<(typeof STATUS_FUNCTIONS)[number], boolean> = {
    success: status.success,
    failure: status.failure,
    cancelled: status.cancelled ?? false,
    always: true,
  };
  return new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(answers[name]) },
    ]),
  );
}

function evaluateData(expression: string, scope: Scope): data.ExpressionData {
  const { tokens } = new Lexer(expression).lex();
  const functions = statusFunctions(scope.status);
  const tree = new Parser(tokens, Object.keys(scope.contexts), [...functions.values()]).parse();
  const contexts = JSON.parse(JSON.stringify(scope.contexts), data.reviver) as data.Dictionary;
  return new Evaluator(tree, contexts, functions).evaluate();
}

/** Evaluates one expression (without `${{ }}`) and returns its value as plain JSON. */
export function evaluate(expression: string, scope: Scope): unknown {
  return JSON.parse(JSON.stringify(evaluateData(expression, scope), data.replacer));
}

/**
 * A value written in the workflow with its `${{ }}` replaced: a string that is one expression
 * keeps the expression's type (`fromJSON(…)` gives an object), anything else becomes a string.
 */
export function interpolate(text: string, scope: Scope): unknown {
  const whole = WHOLE_EXPRESSION.exec(text);
  if (whole?.[1] !== undefined && !whole[1].includes('}}')) return evaluate(whole[1], scope);
  return text.replace(EMBEDDED_EXPRESSION, (_, expression: string) => asString(evaluate(expression, scope)));
}

/** `interpolate`, as the string an input or an environment variable receives. */
export function interpolateString(text: string | number | boolean, scope: Scope): string {
  return asString(typeof text === 'string' ? interpolate(text, scope) : text);
}

/**
 * An `if:` as the runner decides it: with or without `${{ }}`, and `success() && (…)` in front
 * unless the condition calls a status function itself. No `if:` means `success()`.
 */
export function condition(text: string | undefined, scope: Scope): boolean {
  const expression = text === undefined ? 'success()' : (WHOLE_EXPRESSION.exec(text)?.[1] ?? text);
  const guarded = STATUS_CALL.test(expression) ? expression : `success() && (${expression})`;
  return truthy(evaluateData(guarded, scope));
}

/** How the runner turns a value into a string: null is empty, objects and arrays are JSON. */
function asString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
