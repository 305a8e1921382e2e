import * as core from '@actions/core';
import { errorMessage, isConfigurationError, oneLine } from './errors';
import { buildFailureSummary, type FailureReport, type RequestItem, readRequest } from './failure-summary';
import { InputReader } from './inputs';
import type { Logger } from './logger';
import { redactingLogger } from './logger';
import { createActionsLogger, runnerInputSource, setOutput, writeSummary } from './runner-commands';
import { SecretMasker } from './secrets';
import type { SummaryBuilder } from './summary';
import { CredentialsInUrlError } from './url-credentials';
import { ACTION_AUDIENCE, type WordingPart, wordingFor } from './wording';

/** What an action's `main.ts` gets: everything that touches the runner, in one place. */
export interface ActionContext {
  inputs: InputReader;
  logger: Logger;
  /** Every secret goes through here before it is used. */
  masker: SecretMasker;
  /** Sets an output; objects are written as JSON. Secrets are redacted. */
  setOutput(name: string, value: string | number | boolean | object): void;
  /** Appends to the job summary; secrets are redacted. */
  writeSummary(summary: SummaryBuilder): Promise<void>;
  /** A notice annotation: a decision the user should see without reading the log. Secrets are redacted. */
  notice(message: WordingPart, options?: { title?: string }): void;
  /**
   * Adds a row to what a failure summary says was asked: a fact the step works out rather than
   * reads from an input, such as the event's commit. Secrets are redacted.
   */
  describeRequest(label: string, value: string): void;
}

/**
 * Runs an action body the same way for every action, talking to the runner through
 * `@actions/core`. A failure becomes one error annotation (redacted, on one line) and exit code
 * 1, and a section of the job summary that says what was asked, why it was refused or failed,
 * what is unchanged and what to do (see buildFailureSummary), after whatever the step wrote there
 * itself. A ConfigurationError is the
 * user's to fix; anything else also gets its stack in the debug log.
 */
export async function runAction(
  report: FailureReport,
  body: (context: ActionContext) => Promise<void>,
): Promise<void> {
  const masker = new SecretMasker(core.setSecret);
  const logger = redactingLogger(createActionsLogger(), masker);
  const request: RequestItem[] = readRequest(runnerInputSource, report.request);
  const context: ActionContext = {
    inputs: new InputReader(runnerInputSource),
    logger,
    masker,
    setOutput: (name, value) => {
      const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
      setOutput(name, masker.redact(text));
    },
    writeSummary: async (summary) => {
      await writeSummary(masker.redact(summary.toString()));
    },
    notice: (message, options = {}) =>
      core.notice(
        masker.redact(wordingFor(message, ACTION_AUDIENCE)),
        options.title ? { title: masker.redact(options.title) } : {},
      ),
    describeRequest: (label, value) => {
      request.push({ label, value, input: false });
    },
  };
  try {
    await body(context);
  } catch (error) {
    // A refused URL input names its secret only redacted; masking it keeps later steps from showing it.
    if (error instanceof CredentialsInUrlError) for (const secret of error.secrets) masker.add(secret);
    if (!isConfigurationError(error) && error instanceof Error && error.stack) {
      core.debug(masker.redact(error.stack));
    }
    const redact = (text: string) => masker.redact(text);
    // Redacted before and after folding: a secret over several lines is found whole only before.
    core.setFailed(redact(oneLine(redact(errorMessage(error)))));
    await writeSummary(`\n${redact(buildFailureSummary(error, request, report, redact).toString())}`).catch(
      (summaryError: unknown) =>
        core.debug(masker.redact(`No failure summary: ${errorMessage(summaryError)}`)),
    );
  }
}
