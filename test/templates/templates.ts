import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TEMPLATES_DIR = join(ROOT, 'workflows-templates');
/** How a workflow names one of our actions: `org/flow-actions/<uses>@v1`. */
export const OUR_ACTION = /^org\/flow-actions\/([a-z0-9-]+)@v1$/;

export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}

export interface WorkflowJob {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  permissions?: Record<string, string> | string;
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: unknown };
  steps?: WorkflowStep[];
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: WorkflowJob['concurrency'];
  jobs: Record<string, WorkflowJob>;
}

export interface Template {
  /** The file name without `.yml`, e.g. `pull-request`. */
  name: string;
  file: string;
  text: string;
  workflow: Workflow;
  properties: Record<string, unknown>;
}

/** Every template name: each `NAME.yml` in workflows-templates/. */
export async function listTemplates(): Promise<string[]> {
  const files = await readdir(TEMPLATES_DIR);
  return files
    .filter((file) => file.endsWith('.yml'))
    .map((file) => file.slice(0, -'.yml'.length))
    .sort();
}

export async function readTemplate(name: string): Promise<Template> {
  const file = join(TEMPLATES_DIR, `${name}.yml`);
  const text = await readFile(file, 'utf8');
  const properties = JSON.parse(await readFile(join(TEMPLATES_DIR, `${name}.properties.json`), 'utf8'));
  return { name, file, text, workflow: parse(text) as Workflow, properties };
}

export interface OurAction {
  /** The released `uses:` path (package.json `flowAction.uses`). */
  uses: string;
  /** The folder under actions/. */
  dir: string;
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, unknown>;
}

/** Our actions by released `uses:` path, read from the sources: action.yml + package.json. */
export async function readOurActions(): Promise<Map<string, OurAction>> {
  const actions = new Map<string, OurAction>();
  const root = join(ROOT, 'actions');
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const metadata = await readFile(join(dir, 'action.yml'), 'utf8').catch(() => undefined);
    // An action still being written has no action.yml yet; it is not released either.
    if (metadata === undefined) continue;
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      flowAction?: { uses?: string };
    };
    const document = parse(metadata) as Pick<OurAction, 'inputs' | 'outputs'>;
    const uses = pkg.flowAction?.uses ?? entry.name;
    actions.set(uses, { uses, dir, inputs: document.inputs ?? {}, outputs: document.outputs ?? {} });
  }
  return actions;
}

/** The environment a job deploys to, if any. */
export function environmentOf(job: WorkflowJob): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

/** A job's `needs` as a list. */
export function needsOf(job: WorkflowJob): string[] {
  if (!job.needs) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every `${{ … }}` expression in a string, without the braces. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => (match[1] ?? '').trim());
}
