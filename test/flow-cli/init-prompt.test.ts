import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { removeScratch, scratchDir } from '../release/world';
import { requireBinary } from '../services';
import { type FlowActionsRemote, makeFlowActionsRemote } from '../support/flow-actions-remote';
import { flowOnTerminal } from '../support/terminal';

// `flow init` on a real terminal asks for each value it needs and was not given, then writes; an
// empty answer is the same usage error as a missing flag, and nothing is written.

let dir: string;
let flowActions: FlowActionsRemote;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireBinary('script', 'apt-get install -y util-linux');
  dir = await scratchDir('flow-init-prompt-');
  flowActions = await makeFlowActionsRemote(dir);
  await flowActions.release('1.0.0');
  env = { PATH: process.env.PATH, HOME: dir, TERM: 'dumb' };
}, 180_000);
afterAll(removeScratch);

let count = 0;
async function checkout(): Promise<string> {
  const path = join(dir, `app-${++count}`);
  await exec('git', ['init', '--quiet', '--initial-branch=main', path]);
  return path;
}

describe('flow init on a terminal', () => {
  it('asks for the release image, the manifest repository and the ECR role, then writes the workflows with the answers', async () => {
    const cwd = await checkout();
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/api';
    const run = await flowOnTerminal(
      ['init', '--flow-actions', flowActions.path, '--template', 'main,rollback'],
      {
        cwd,
        env,
        answers: [
          ['The release image, registry/repository, e.g. ghcr.io/acme/api (--image): ', image],
          [
            'The GitOps manifest repository, owner/name, e.g. acme/manifests (--manifest-repository): ',
            'acme/deploy',
          ],
          ['The IAM role to assume (its ARN) (--aws-role): ', 'arn:aws:iam::123456789012:role/flow-actions'],
        ],
      },
    );
    expect(run.exitCode, run.screen).toBe(0);
    expect(run.screen).toContain(
      'Registry login: 123456789012.dkr.ecr.eu-west-1.amazonaws.com through the AWS role',
    );
    // The region came from the registry's name: never asked.
    expect(run.screen).not.toContain('--aws-region');
    expect((await readdir(join(cwd, '.github', 'workflows'))).sort()).toEqual(['main.yml', 'rollback.yml']);
    const main = await readFile(join(cwd, '.github', 'workflows', 'main.yml'), 'utf8');
    expect((parse(main) as { env: Record<string, string> }).env).toMatchObject({
      REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      IMAGE: image,
      MANIFEST_REPOSITORY: 'acme/deploy',
    });
    expect(main).toContain(
      '          role-to-assume: arn:aws:iam::123456789012:role/flow-actions\n          aws-region: eu-west-1\n',
    );
  });

  it('an empty answer is the usage error a missing flag is; nothing is written', async () => {
    const cwd = await checkout();
    const run = await flowOnTerminal(['init', '--flow-actions', flowActions.path], {
      cwd,
      env,
      answers: [['(--image): ', '']],
    });
    expect(run.exitCode).toBe(2);
    expect(run.screen).toContain(
      'flow init: --image is required: the release image, registry/repository, e.g. ghcr.io/acme/api (see flow init --help)',
    );
    await expect(readdir(join(cwd, '.github'))).rejects.toThrow(/ENOENT/);
  });

  it('a malformed answer is refused naming its flag', async () => {
    const cwd = await checkout();
    const run = await flowOnTerminal(
      ['init', '--flow-actions', flowActions.path, '--image', 'ghcr.io/acme/api'],
      {
        cwd,
        env,
        answers: [['(--manifest-repository): ', 'just-a-name']],
      },
    );
    expect(run.exitCode).toBe(2);
    expect(run.screen).toContain('flow init: --manifest-repository "just-a-name" is not owner/name');
    await expect(readdir(join(cwd, '.github'))).rejects.toThrow(/ENOENT/);
  });
});
