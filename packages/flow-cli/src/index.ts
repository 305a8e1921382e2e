export { type CliOptions, COMMANDS, commandHelp, mainHelp, parseCommandLine, runCli } from './cli';
export type { Command, CommandContext, CommandOutput, OptionSpec, ParsedArguments } from './command';
export { ExitCode, UsageError } from './command';
export type { Table } from './output';
export { formatTable } from './output';
