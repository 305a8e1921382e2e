import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigurationError, errorMessage, oneLine } from '@flow-actions/action-kit';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The one positional argument a root script takes, for its usage errors. Default: the version. */
export interface Positional {
  /** `the version`, `the folder` */
  name: string;
  /** `1.4.0` */
  example: string;
}

/**
 * Reads a root script's command line: `--help` prints the usage (exit 0); an unknown flag, a
 * missing value or a wrong number of positionals is a usage error (exit 2) before anything runs.
 */
export function readCommandLine<T extends Options>(
  command: string,
  usage: string,
  options: T,
  positionals: number,
  positional: Positional = { name: 'the version', example: '1.4.0' },
) {
  const fail = (message: string): never => {
    console.error(`${command}: ${message}\n\n${usage}`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>>;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options });
  } catch (error) {
    return fail(errorMessage(error));
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(usage);
    process.exit(0);
  }
  if (parsed.positionals.length !== positionals)
    fail(
      parsed.positionals.length === 0
        ? `${positional.name} is missing, e.g. ${positional.example}`
        : `one ${positional.name.replace(/^the /, '')}, not ${parsed.positionals.join(' ')}`,
    );
  return parsed;
}

/** Runs the command's body; a refusal or failure is one line on stderr and exit 1. */
export async function runCommand(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const kind = error instanceof ConfigurationError ? 'refused' : 'failed';
    console.error(`${command} ${kind}: ${oneLine(errorMessage(error))}`);
    process.exit(1);
  }
}
