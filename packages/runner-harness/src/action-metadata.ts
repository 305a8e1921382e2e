import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

/** The parts of `action.yml` the runner acts on. */
export interface ActionMetadata {
  name: string;
  description?: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; pre?: string; post?: string };
}

export async function readActionMetadata(actionDir: string): Promise<ActionMetadata> {
  const file = join(actionDir, 'action.yml');
  const document = parse(await readFile(file, 'utf8')) as Partial<ActionMetadata> | null;
  if (!document?.runs?.using || !document.runs.main) {
    throw new Error(`${file} has no runs.using / runs.main: it is not a JavaScript action.`);
  }
  return {
    name: document.name ?? '',
    ...(document.description === undefined ? {} : { description: document.description }),
    inputs: document.inputs ?? {},
    outputs: document.outputs ?? {},
    runs: document.runs,
  };
}
