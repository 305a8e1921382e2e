import { ConfigurationError, type WordingPart, words } from '@flow-actions/action-kit';
import { closestWord } from './did-you-mean';
import { allOf, anyOf, negate, type Verdict } from './verdict';

/** The legs an expression combines. */
export type LegName = 'ci' | 'cd' | 'review';

export const LEG_NAMES: readonly LegName[] = ['ci', 'cd', 'review'];

/** The seeds' rule: CI must pass, and either CD must pass or someone else must have reviewed. */
export const DEFAULT_EXPRESSION = 'ci && (cd || review)';

/** A parsed expression: legs combined with `!`, `&&` and `||`. */
export type Expression =
  | { kind: 'leg'; leg: LegName }
  | { kind: 'not'; operand: Expression }
  | { kind: 'and' | 'or'; operands: readonly Expression[] };

/** Longer than any sensible combination of three legs; keeps a pasted mistake's error short. */
const MAX_LENGTH = 200;
/** Deeper nesting than this is a mistake, and a bound on the parser's recursion. */
const MAX_DEPTH = 20;

const FIX = `write ci, cd and review combined with &&, ||, ! and parentheses, e.g. ${DEFAULT_EXPRESSION}`;
const SPELLED_OUT: Readonly<Record<string, string>> = { and: '&&', or: '||', not: '!' };
const OPERATOR_MEANING: Readonly<Record<string, string>> = { '&': '&& means and', '|': '|| means or' };

type Token = { kind: 'word' | 'and' | 'or' | 'not' | 'open' | 'close'; text: string; column: number };

/**
 * Parses a gate expression: the leg names `ci`, `cd` and `review`, `!` (not), `&&` (and), `||`
 * (or) and parentheses; `!` binds tightest, then `&&`, then `||`. Nothing else is read — no
 * other names, no property access, nothing evaluated — so `ci && constructor` is refused like
 * any other unknown name. Every refusal is a ConfigurationError that starts with `subject` (the
 * input or policy key the text came from), says what is wrong where, and how to write it.
 */
export function parseExpression(text: string, subject: WordingPart): Expression {
  const shown = text.replace(/\s+/g, ' ').trim();
  const refuse = (problem: string): never => {
    throw new ConfigurationError(words`${subject} "${shown.slice(0, MAX_LENGTH)}" ${problem}: ${FIX}.`);
  };
  if (shown === '') refuse('is empty');
  if (text.length > MAX_LENGTH) refuse(`is longer than ${MAX_LENGTH} characters`);

  const tokens = tokenize(text, refuse);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const describe = (token: Token) => `"${token.text}" at column ${token.column}`;

  // `a && b && c` and `a || b || c`: one node with every operand, the tighter kind below.
  const chain =
    (kind: 'and' | 'or', operand: (depth: number) => Expression) =>
    (depth: number): Expression => {
      const operands = [operand(depth)];
      while (peek()?.kind === kind) {
        position++;
        operands.push(operand(depth));
      }
      return operands.length === 1 ? (operands[0] as Expression) : { kind, operands };
    };
  const parseUnary = (depth: number): Expression => {
    if (depth > MAX_DEPTH) refuse(`nests deeper than ${MAX_DEPTH} levels`);
    const token = peek();
    if (!token) return refuse('ends where a leg or "(" should follow');
    position++;
    if (token.kind === 'not') return { kind: 'not', operand: parseUnary(depth + 1) };
    if (token.kind === 'open') {
      const inner = parseOr(depth + 1);
      if (peek()?.kind !== 'close') refuse(`has a "(" at column ${token.column} that is never closed`);
      position++;
      return inner;
    }
    if (token.kind === 'word') return { kind: 'leg', leg: legNamed(token, refuse) };
    return refuse(`has ${describe(token)} where a leg or "(" should be`);
  };

  const parseAnd = chain('and', parseUnary);
  const parseOr = chain('or', parseAnd);

  const expression = parseOr(0);
  const rest = peek();
  if (rest?.kind === 'word') refuseSpelledOut(rest, refuse);
  if (rest)
    refuse(
      rest.kind === 'close'
        ? `has a ")" at column ${rest.column} that closes nothing`
        : `has ${describe(rest)} where && or || should be`,
    );
  return expression;
}

function tokenize(text: string, refuse: (problem: string) => never): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const column = index + 1;
    if (/\s/.test(char)) {
      index++;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(index))?.[0] ?? char;
      tokens.push({ kind: 'word', text: word, column });
      index += word.length;
    } else if (text.startsWith('&&', index) || text.startsWith('||', index)) {
      tokens.push({ kind: char === '&' ? 'and' : 'or', text: text.slice(index, index + 2), column });
      index += 2;
    } else if (char === '&' || char === '|') {
      refuse(`has a single "${char}" at column ${column} (${OPERATOR_MEANING[char]})`);
    } else if (char === '!' || char === '(' || char === ')') {
      tokens.push({ kind: char === '!' ? 'not' : char === '(' ? 'open' : 'close', text: char, column });
      index++;
    } else {
      refuse(`has "${char}" at column ${column}, which is not part of a gate expression`);
    }
  }
  return tokens;
}

function legNamed(token: Token, refuse: (problem: string) => never): LegName {
  const leg = LEG_NAMES.find((name) => name === token.text);
  if (leg) return leg;
  refuseSpelledOut(token, refuse);
  const closest = closestWord(token.text, LEG_NAMES);
  const hint = closest ? ` (did you mean "${closest}"?)` : '';
  return refuse(`names "${token.text}" at column ${token.column}, which is not a leg${hint}`);
}

/** `and`, `or` and `not` are refused with the operator to write instead. */
function refuseSpelledOut(token: Token, refuse: (problem: string) => never): void {
  const spelled = token.text.toLowerCase();
  if (Object.hasOwn(SPELLED_OUT, spelled))
    refuse(`has "${token.text}" at column ${token.column} (${SPELLED_OUT[spelled]} means ${spelled})`);
}

/** The value of `expression` with each leg's verdict, by three-valued logic (see verdict.ts). */
export function evaluateExpression(
  expression: Expression,
  legs: Readonly<Record<LegName, Verdict>>,
): Verdict {
  switch (expression.kind) {
    case 'leg':
      return legs[expression.leg];
    case 'not':
      return negate(evaluateExpression(expression.operand, legs));
    case 'and':
      return allOf(expression.operands.map((operand) => evaluateExpression(operand, legs)));
    case 'or':
      return anyOf(expression.operands.map((operand) => evaluateExpression(operand, legs)));
  }
}

/** The legs an expression reads, in the order of LEG_NAMES. */
export function legsOf(expression: Expression): LegName[] {
  const found = new Set<LegName>();
  const visit = (node: Expression) => {
    if (node.kind === 'leg') found.add(node.leg);
    else if (node.kind === 'not') visit(node.operand);
    else node.operands.forEach(visit);
  };
  visit(expression);
  return LEG_NAMES.filter((leg) => found.has(leg));
}

/**
 * What still has to turn green for `expression` to hold: every part that already holds is
 * replaced by true and simplified away, so `ci && (cd || review)` with CI green leaves
 * `cd || review`. True when it holds; false when nothing left can make it hold.
 */
export function remainingExpression(
  expression: Expression,
  legs: Readonly<Record<LegName, Verdict>>,
): Expression | boolean {
  if (evaluateExpression(expression, legs) === 'green') return true;
  switch (expression.kind) {
    case 'leg':
      return expression;
    case 'not': {
      const operand = remainingExpression(expression.operand, legs);
      return typeof operand === 'boolean' ? !operand : { kind: 'not', operand };
    }
    case 'and': {
      const operands = expression.operands.map((operand) => remainingExpression(operand, legs));
      if (operands.includes(false)) return false;
      return combine('and', operands);
    }
    case 'or':
      return combine(
        'or',
        expression.operands.map((operand) => remainingExpression(operand, legs)),
      );
  }
}

function combine(kind: 'and' | 'or', operands: readonly (Expression | boolean)[]): Expression | boolean {
  const open = operands.filter((operand): operand is Expression => typeof operand !== 'boolean');
  if (open.length === 0) return kind === 'and';
  return open.length === 1 ? (open[0] as Expression) : { kind, operands: open };
}

const PRECEDENCE = { or: 1, and: 2, not: 3, leg: 4 } as const;

/** The expression written back with single spaces and only the parentheses it needs. */
export function formatExpression(expression: Expression): string {
  const wrap = (child: Expression, parent: Expression['kind']) => {
    const text = formatExpression(child);
    return PRECEDENCE[child.kind] < PRECEDENCE[parent] ? `(${text})` : text;
  };
  switch (expression.kind) {
    case 'leg':
      return expression.leg;
    case 'not':
      return `!${wrap(expression.operand, 'not')}`;
    case 'and':
    case 'or':
      return expression.operands
        .map((operand) => wrap(operand, expression.kind))
        .join(expression.kind === 'and' ? ' && ' : ' || ');
  }
}
