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
export { InputReader } from './inputs';
export type { LogEntry, Logger, LogLevel, LogMessage } from './logger';
export {
  createConsoleLogger,
  loggerFor,
  nullLogger,
  RecordingLogger,
  redactingLogger,
} from './logger';
export { resolveInside } from './paths';
export { SecretMasker } from './secrets';
export { inlineCode, SummaryBuilder, shortDigest, shortenDigests } from './summary';
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
