import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseWorkflowCommands } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlow } from '../support/flow-cli';

// flow runs the actions' cores outside a runner: it must never speak the runner's protocol, nor
// load @actions/core to do so (the runner entry of action-kit is the only place that imports it).
let work: string;
let hook: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-no-runner-'));
  hook = join(work, 'trace-actions-packages.mjs');
  // Reports every @actions/* module the process resolves, whatever loader imports it.
  await writeFile(
    hook,
    [
      "import { registerHooks } from 'node:module';",
      "import { writeSync } from 'node:fs';",
      'registerHooks({',
      '  resolve(specifier, context, next) {',
      "    if (specifier.startsWith('@actions/')) writeSync(2, 'loaded ' + specifier + '\\n');",
      '    return next(specifier, context);',
      '  },',
      '});',
    ].join('\n'),
  );
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('flow outside a runner', () => {
  it.each([
    ['help', ['--help']],
    [
      'a refused promotion',
      ['promote', '--image', `oci:${'/nonexistent'}/layout`, '--from', 'abc1234', '--to', '::add-mask::x'],
    ],
  ])('%s: loads no @actions/* package and prints no workflow command', async (_case, args) => {
    const run = await runFlow(args, {
      cwd: work,
      // GITHUB_OUTPUT unset: were core loaded, its setOutput would fall back to ::set-output::.
      env: { HOME: work, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` },
    });
    expect(run.stderr).not.toMatch(/^loaded @actions\//m);
    expect(parseWorkflowCommands(run.stdout)).toEqual([]);
    expect(parseWorkflowCommands(run.stderr)).toEqual([]);
  });
});
