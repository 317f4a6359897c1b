/**
 * `--redact` for every command that prints or writes something from logs.
 * Wiring is one line per command: `addRedactOption(cmd)` when registering,
 * then `result = redactIfRequested(ctx, raw, result)` right after loading.
 *
 * The salt comes from TOKEN_ECON_REDACT_SALT when set (pseudonyms nobody can
 * reverse by guessing paths); without it pseudonyms are deterministic.
 */
import type { Command } from 'commander';
import type { IngestResult } from '../model/ingest.js';
import { redactIngestResult } from '../normalize/redact.js';
import type { CliContext } from './context.js';

export const REDACT_SALT_ENV = 'TOKEN_ECON_REDACT_SALT';

export function addRedactOption(cmd: Command): Command {
  return cmd.option(
    '--redact',
    'replace file paths and project names with pseudonyms and drop log text from every output (numbers stay exact)',
  );
}

export function isRedactRequested(raw: Record<string, unknown>): boolean {
  return raw['redact'] === true;
}

export function redactSalt(ctx: Pick<CliContext, 'env'>): string {
  return ctx.env[REDACT_SALT_ENV] ?? '';
}

/** `result` redacted when `--redact` was given, else unchanged. */
export function redactIfRequested(ctx: Pick<CliContext, 'env'>, raw: Record<string, unknown>, result: IngestResult): IngestResult {
  return isRedactRequested(raw) ? redactIngestResult(result, redactSalt(ctx)) : result;
}
