/**
 * A verdict of the gate, a leg or one requirement, in three values: `green` (holds), `red` (does
 * not hold, and will not by waiting: someone has to act) and `pending` (not known yet: a check
 * still running, not reported or skipped, an approval not given yet).
 *
 * Verdicts combine by Kleene's strong three-valued logic, reading green as true, red as false and
 * pending as unknown — an unknown may still turn out either way, so an answer is given only when
 * every way it could turn out gives the same one:
 *
 * | a | b | a && b | a \|\| b |
 * |---|---|---|---|
 * | green | green | green | green |
 * | green | pending | pending | green |
 * | green | red | red | green |
 * | pending | pending | pending | pending |
 * | pending | red | red | pending |
 * | red | red | red | red |
 *
 * and `!green` is red, `!red` green, `!pending` pending. So `ci && (cd || review)` is green as soon
 * as CI and either CD or a review are green, even while the other is still pending, and red as soon
 * as CI is red, however the others turn out.
 */
export type Verdict = 'green' | 'red' | 'pending';

export const VERDICTS: readonly Verdict[] = ['green', 'pending', 'red'];

/** Kleene AND: red if any is red, else pending if any is pending, else green (green for none). */
export function allOf(verdicts: Iterable<Verdict>): Verdict {
  return settle(verdicts, 'red', 'green');
}

/** Kleene OR: green if any is green, else pending if any is pending, else red (red for none). */
export function anyOf(verdicts: Iterable<Verdict>): Verdict {
  return settle(verdicts, 'green', 'red');
}

/** `decisive` as soon as one is; else pending if one is; else `otherwise`. */
function settle(verdicts: Iterable<Verdict>, decisive: Verdict, otherwise: Verdict): Verdict {
  let result = otherwise;
  for (const verdict of verdicts) {
    if (verdict === decisive) return decisive;
    if (verdict === 'pending') result = 'pending';
  }
  return result;
}

/** Kleene NOT: green and red swap; pending stays pending. */
export function negate(verdict: Verdict): Verdict {
  if (verdict === 'pending') return 'pending';
  return verdict === 'green' ? 'red' : 'green';
}
