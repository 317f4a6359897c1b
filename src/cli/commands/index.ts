import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { sessionsCommand } from './sessions.js';
import { pricingCommand } from './pricing.js';
import { simulateCommand } from './simulate.js';
import { analyzeCommand } from './analyze.js';
import { reportCommand } from './report.js';

export interface CommandModule {
  name: string;
  /** Adds the subcommand to `program` and returns it. The action must not call process.exit. */
  register(program: Command, ctx: CliContext): Command;
}

/** The registry of subcommands, in help order. */
export const COMMANDS: readonly CommandModule[] = [
  analyzeCommand,
  sessionsCommand,
  simulateCommand,
  pricingCommand,
  reportCommand,
];
