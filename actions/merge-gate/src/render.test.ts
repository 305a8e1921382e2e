import { describe, expect, it } from 'vitest';
import { checkRun, commitStatus, deployment, pullRequest, review } from '../../../test/support/pull-request';
import { decideMergeGate } from './decide';
import { byteLength, CHECK_OUTPUT_LIMIT } from './markdown';
import { parsePolicy } from './policy';
import { gateCheckRunState, renderGateCheck, renderRiskCheck } from './render';
import { classifyRisk } from './risk';
import type { PullRequestSnapshot } from './snapshot';

const HOSTILE = 'e2e | <img src=x onerror=alert(1)> **[x](javascript:alert(1))** `a`\n| injected | row |';

const policyWith = (ci: string[], text = '') =>
  parsePolicy({
    file: { path: '.github/flow-merge-gate.yml', text: `cd: { environments: ['pr-{number}'] }\n${text}` },
    inputs: { checkName: 'Merge gate', ciChecks: ci },
  });
const render = (pr: PullRequestSnapshot, policy = policyWith(['build'])) =>
  renderGateCheck(decideMergeGate(pr, policy, classifyRisk(pr, policy)), pr);

/** Every table line has as many cell separators as its header: no name can add or remove a column. */
function expectIntactTables(markdown: string) {
  const tables = markdown
    .trim()
    .split(/\n\n+/)
    .filter((block) => block.startsWith('|'));
  expect(tables.length).toBeGreaterThan(0);
  for (const table of tables) {
    const lines = table.split('\n');
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    for (const line of lines) expect(cells(line), line).toBe(cells(lines[0] ?? ''));
  }
}

describe('gateCheckRunState', () => {
  it('green succeeds, red fails, pending stays in progress for branch protection to wait on', () => {
    expect(gateCheckRunState('green')).toEqual({ status: 'completed', conclusion: 'success' });
    expect(gateCheckRunState('red')).toEqual({ status: 'completed', conclusion: 'failure' });
    expect(gateCheckRunState('pending')).toEqual({ status: 'in_progress' });
  });
});

describe('renderGateCheck', () => {
  it('a pending gate: title, a row per leg, what is missing, and links in the text', () => {
    const output = render(
      pullRequest({ checkRuns: [checkRun('build', 'success')], reviews: [review('author', 'APPROVED')] }),
    );
    expect(output.title).toBe('Pending: ci green · cd pending · review pending');
    expect(output.summary).toContain('**Pending** — `ci && (cd || review)` on `5f0c6a4`, the head of #12');
    expect(output.summary).toContain('| ✅ | CI | green | 1 of 1 green |');
    expect(output.summary).toContain(
      '| ⏳ | CD | pending | 0 of 1 green; pr-12: this commit is not deployed yet |',
    );
    expect(output.summary).toContain(
      '| ⏳ | Review | pending | 0 counted; @author: approved 5f0c6a4, but they are the author&#58; not counted |',
    );
    expect(output.summary).toContain('### Still missing\n\n- needs cd &#124;&#124; review\n');
    expect(output.summary).toContain(
      'Auto-merge: no — the policy maps no risk to requirements, so nothing merges by itself.',
    );
    expect(output.text).toMatch(
      /\| ✅ \| \[build\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/7\/job\/\d+\) \| check run success \|/,
    );
    expectIntactTables(output.summary);
    expectIntactTables(output.text);
  });

  it('a green gate with its risk row', () => {
    const policy = policyWith(['build'], 'risk:\n  high: { team: acme/leads }\n');
    const pr = pullRequest({
      checkRuns: [checkRun('build', 'success')],
      deployments: [deployment('pr-12', ['success'])],
    });
    const output = render(pr, policy);
    expect(output.title).toBe('Green: ci green · cd green · review pending · low risk green');
    expect(output.summary).toContain('| ✅ | Risk: low | green | nothing more to require |');
    expect(output.summary).toContain('| ⏳ | Review | pending | no review yet |');
    expect(output.summary).not.toContain('Still missing');
    expect(output.summary).toContain('Auto-merge: yes — low risk merges by itself once the gate is green.');
  });

  it('a check name and a status description with Markdown, HTML and pipes stay in their cell', () => {
    const pr = pullRequest({
      checkRuns: [checkRun(HOSTILE, 'failure')],
      statuses: [{ ...commitStatus('deploy/preview', 'failure'), description: HOSTILE }],
    });
    const output = render(pr, policyWith([HOSTILE, 'deploy/preview']));
    for (const markdown of [output.summary, output.text]) {
      expect(markdown).not.toMatch(/<img|<script|\]\(javascript|\*\*\[/);
      expectIntactTables(markdown);
    }
    expect(output.text).toContain('e2e &#124; &#60;img src=x onerror=alert(1)&#62; &#42;&#42;&#91;x&#93;');
  });

  it('thousands of checks stay within GitHub’s limit, saying what was left out', () => {
    const names = Array.from(
      { length: 3000 },
      (_, index) => `integration shard ${index} of 3000 on node 24 (linux, x64)`,
    );
    const pr = pullRequest({ checkRuns: names.map((name) => checkRun(name, 'success')) });
    const output = render(pr, policyWith(names));
    expect(byteLength(output.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(byteLength(output.text)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(output.text).toMatch(
      /_… \d+ more lines not shown: GitHub keeps at most 65535 characters of a check run's output\._\n$/,
    );
    expectIntactTables(output.text);
  });
});

describe('renderRiskCheck', () => {
  const policy = policyWith(
    ['build'],
    "trusted-label-actors: [lead]\ncomponents:\n  pay: { paths: ['pay/**'], size: L }\n",
  );

  it('the level, how it was reached, and the table of inputs', () => {
    const risk = classifyRisk(
      {
        files: [
          { path: 'pay/a.ts', additions: 90, deletions: 10 },
          { path: 'README.md', additions: 5, deletions: 0 },
        ],
        commits: [{ sha: 'd'.repeat(40), message: 'feat(pay): <b>instalments</b>' }],
        labels: [
          { name: 'toggle:new-cart', addedBy: 'lead' },
          { name: 'ft-coverage:<100>', addedBy: 'lead' },
          { name: 'semver:major', addedBy: 'mallory' },
        ],
      },
      policy,
    );
    const output = renderRiskCheck(risk);
    expect(output.title).toBe('Risk medium: L component + M change → medium');
    expect(output.summary).toContain('| lines changed | 105 (+95 −10) in 2 files |');
    expect(output.summary).toContain('| components touched | pay (L, 1 file) |');
    expect(output.summary).toContain(
      '| semver impact | minor: ddddddd feat(pay)&#58; &#60;b&#62;instalments&#60;/b&#62; |',
    );
    expect(output.summary).toContain('| feature toggles | new-cart (label toggle&#58;new-cart by @lead) |');
    expect(output.summary).toContain('| labels | `risk:medium`, `size:M` |');
    expect(output.summary).toContain('- ft-coverage&#58;&#60;100&#62;: not a percentage from 0 to 100');
    expect(output.summary).toContain('- semver&#58;major: added by @mallory, not a trusted label actor');
    expect(output.text).toContain('```json\n{"toggle":["new-cart-on","new-cart-off"]}\n```');
    expectIntactTables(output.summary);
    expectIntactTables(output.text);
  });

  it('a long commit subject does not make a long title', () => {
    const risk = classifyRisk(
      {
        files: [{ path: 'a.ts', additions: 1, deletions: 0 }],
        commits: [{ sha: 'e'.repeat(40), message: `fix!: ${'x'.repeat(500)}` }],
        labels: [],
      },
      policy,
    );
    expect([...renderRiskCheck(risk).title]).toHaveLength(200);
  });
});
