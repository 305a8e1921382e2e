export type { FailureNotes } from './errors';
export {
  ConfigurationError,
  describeError,
  errorMessage,
  isConfigurationError,
  messageFor,
  oneLine,
  StepFailure,
} from './errors';
export type { ExecOptions, ExecResult } from './exec';
export { ExecError, exec } from './exec';
export type { FailureReport } from './failure-summary';
export type { InputSource, IntegerOptions } from './inputs';
export { envInputSource, InputReader, inputVariableName } from './inputs';
export type { LogEntry, Logger, LogLevel, LogMessage } from './logger';
export {
  createActionsLogger,
  createConsoleLogger,
  loggerFor,
  nullLogger,
  RecordingLogger,
  redactingLogger,
} from './logger';
export { resolveInside } from './paths';
export type { ActionContext } from './run';
export { runAction } from './run';
export {
  appendCommandFile,
  issueCommand,
  setFailed,
  setOutput,
  setSecret,
  writeLine,
} from './runner-commands';
export { SecretMasker } from './secrets';
export { inlineCode, SummaryBuilder, shortDigest, shortenDigests, writeSummary } from './summary';
export type { RefuseUrlCredentialsOptions, UrlCredentials } from './url-credentials';
export { CredentialsInUrlError, findUrlCredentials, refuseUrlCredentials } from './url-credentials';
export type { ActionAudience, Audience, CliAudience, WordingPart } from './wording';
export {
  ACTION_AUDIENCE,
  asWording,
  forAudience,
  input,
  inputLabel,
  inputName,
  inputs,
  inputValue,
  joinWordings,
  mapWording,
  setInput,
  Wording,
  wordingFor,
  words,
} from './wording';
