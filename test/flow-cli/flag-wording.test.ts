import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { allActionInputs } from '../support/action-inputs';

// Every message `flow` can print comes from a module it loads: its own, the actions' cores and
// input readers, the shared packages. A message that names an input must do it through the
// wording terms (input, inputName, inputs, inputValue, setInput, forAudience), which `flow`
// renders as flags; written as plain text it would reach the terminal in a workflow's words.
// This reads every string in those modules, as the compiler sees them, and refuses action words.

const ROOT = join(import.meta.dirname, '..', '..');

/** The source files `flow` loads, found by the compiler from the CLI's entry: no list to keep. */
function modulesFlowLoads(): ts.SourceFile[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const options = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
  const program = ts.createProgram([join(ROOT, 'packages', 'flow-cli', 'src', 'index.ts')], options);
  return program
    .getSourceFiles()
    .filter(({ fileName }) => fileName.startsWith(ROOT) && !fileName.includes('node_modules'))
    .filter(({ fileName }) => fileName.endsWith('.ts') && !fileName.endsWith('.test.ts'))
    .map(({ fileName, text }) => ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true));
}

const INPUTS = [...allActionInputs()];
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a message speaks to a workflow author, which `flow` must never print. */
const ACTION_WORDS: [string, RegExp][] = [
  ['names an input', /\b[Ii]nputs?\b/],
  ['tells to set an input', /\bset (?:"?[a-z][a-z-]*|…): /],
  ['points under with:', /\bwith:/],
  ['speaks of the workflow', /\bworkflows?\b/i],
  ['advises a workflow step', /actions\/checkout|actions\/setup-node|docker\/login-action|\bpermissions:/],
  ['names a workflow expression', /github\.token|secrets\.[A-Z]/],
  ['advises another action', /\bbuild-by-sha\b/],
  [
    'names a hyphenated input as a word',
    new RegExp(
      `(?<![-\\w./@])(?:${INPUTS.filter((name) => name.includes('-'))
        .map(escapeRegExp)
        .join('|')})(?![-\\w])`,
    ),
  ],
  ['quotes an input name', new RegExp(`"(?:${INPUTS.map(escapeRegExp).join('|')})"`)],
];

/**
 * Strings that may keep a workflow's words, each with the reason `flow` never prints it: the file
 * and a piece of the string.
 */
const ACTION_ONLY: { file: string; text: string; reason: string }[] = [
  {
    file: 'packages/action-kit/src/wording.ts',
    text: 'set …: …',
    reason: "setInput's own rendering for a workflow author",
  },
  {
    file: 'packages/commit-identity/src/identity.ts',
    text: "check the workflow's trigger",
    reason: "the GitHub event's commit: flow takes its commit from git or --sha, never from an event",
  },
  {
    file: 'packages/github-api/src/client.ts',
    text: "set the step's `github-token` input",
    reason: 'the GitHub API, which flow never calls: require-checks, environment, GHCR deletes',
  },
  {
    file: 'packages/github-api/src/client.ts',
    text: 'GITHUB_REPOSITORY is not set; run in a workflow',
    reason: 'the GitHub API, which flow never calls: require-checks, environment, GHCR deletes',
  },
  {
    file: 'packages/github-api/src/client.ts',
    text: 'enablePullRequestAutoMerge(input:',
    reason: "GraphQL's argument name in a document sent to GitHub, never printed",
  },
  {
    file: 'packages/github-api/src/client.ts',
    text: 'disablePullRequestAutoMerge(input:',
    reason: "GraphQL's argument name in a document sent to GitHub, never printed",
  },
  {
    file: 'packages/github-api/src/required-checks.ts',
    text: 'its workflow failed to start: fix the workflow',
    reason:
      "a required check's conclusion: flow promote and flow publish never wait for checks (no --require-checks)",
  },
  {
    file: 'packages/github-api/src/errors.ts',
    text: "pass a valid token in the step's `github-token` input",
    reason: 'the GitHub API, which flow never calls: require-checks, environment, GHCR deletes',
  },
  {
    file: 'packages/github-api/src/errors.ts',
    text: "to the job's `permissions:`",
    reason: 'the GitHub API, which flow never calls: require-checks, environment, GHCR deletes',
  },
  {
    file: 'actions/yank-artifact/src/deleters.ts',
    text: 'check that "image" names the package GitHub knows',
    reason: 'the GHCR deleter (GitHub Packages API): flow yank deletes through the registry only',
  },
  {
    file: 'actions/build-by-sha/src/source-check.ts',
    text: 'Without a ref, actions/checkout checks out the merge commit',
    reason: "pullRequestNote, used only in forAudience's action branch of refusalMessage",
  },
  {
    file: 'actions/npm-publish-gate/src/publish.ts',
    text: 'add "permissions: id-token: write" to the job',
    reason: 'flow publish refuses --provenance without an OIDC token before any gate runs',
  },
  {
    file: 'actions/npm-publish-gate/src/gates.ts',
    text: 'dist-tag "…" reads as a semver range to npm',
    reason: "npm's own word for a tag; the input was checked the same way before (inputs.ts)",
  },
  {
    file: 'packages/flow-cli/src/commands/publish.ts',
    text: 'the right dist-tag (prereleases',
    reason: "npm's own word for a tag, in flow publish --help",
  },
];

/**
 * `flow init` writes workflows: its help and its refusals speak of workflows, `with:`, secrets
 * expressions and login kinds (`github-token`) because those are what it writes, and `--set NAME:`
 * is its own flag. It still never names an action's input in a workflow's words.
 */
const WRITES_WORKFLOWS = (path: string) =>
  path.startsWith('packages/flow-cli/src/init/') || path === 'packages/flow-cli/src/commands/init.ts';
const ALWAYS_REFUSED = new Set(['names an input', 'quotes an input name']);

interface Finding {
  where: string;
  text: string;
  problem: string;
}

/** True inside the `action` branch of `forAudience({ action, cli })`: a workflow's own words. */
function isActionBranch(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (
      ts.isPropertyAssignment(current) &&
      ts.isIdentifier(current.name) &&
      current.name.text === 'action' &&
      ts.isObjectLiteralExpression(current.parent) &&
      ts.isCallExpression(current.parent.parent) &&
      ts.isIdentifier(current.parent.parent.expression) &&
      current.parent.parent.expression.text === 'forAudience'
    ) {
      return true;
    }
  }
  return false;
}

/** The text of a string or template literal, with `…` for each substitution; else undefined. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…');
  }
  return undefined;
}

function scan(file: ts.SourceFile): Finding[] {
  const findings: Finding[] = [];
  const path = relative(ROOT, file.fileName);
  const visit = (node: ts.Node) => {
    const text = literalText(node);
    // Only prose: a single word is a name (an input read, a flag declared), not a message.
    if (text?.includes(' ') && !ts.isImportDeclaration(node.parent) && !isActionBranch(node)) {
      const problems = ACTION_WORDS.filter(([, pattern]) => pattern.test(text))
        .map(([problem]) => problem)
        .filter((problem) => !WRITES_WORKFLOWS(path) || ALWAYS_REFUSED.has(problem));
      const exempt = ACTION_ONLY.some((entry) => entry.file === path && text.includes(entry.text));
      if (problems.length > 0 && !exempt) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart());
        findings.push({ where: `${path}:${line + 1}`, text, problem: problems.join(', ') });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}

describe('every message flow can print names flags, not inputs', () => {
  const modules = modulesFlowLoads();

  it('reaches the cores and input readers of every action flow runs', () => {
    const paths = modules.map((file) => relative(ROOT, file.fileName));
    for (const action of [
      'build-by-sha',
      'retag-promote',
      'yank-artifact',
      'update-manifest',
      'backcompat-matrix',
      'npm-publish-gate',
    ]) {
      expect(paths).toContain(`actions/${action}/src/inputs.ts`);
    }
    expect(paths).toContain('packages/action-kit/src/inputs.ts');
  });

  it('no string in them speaks a workflow’s words outside forAudience’s action branch', () => {
    expect(modules.flatMap(scan)).toEqual([]);
  });

  it('every exemption still exempts something', () => {
    const strings = modules.flatMap((file) => {
      const path = relative(ROOT, file.fileName);
      const found: string[] = [];
      const visit = (node: ts.Node) => {
        const text = literalText(node);
        if (text !== undefined) found.push(`${path} ${text}`);
        ts.forEachChild(node, visit);
      };
      visit(file);
      return found;
    });
    const unused = ACTION_ONLY.filter(
      (entry) => !strings.some((found) => found.startsWith(`${entry.file} `) && found.includes(entry.text)),
    );
    expect(unused).toEqual([]);
  });
});
