import type { CommandModule } from './index.js';
import type { CliContext } from '../context.js';
import { InputError } from '../../errors.js';
import type { ModelPrice } from '../../model/pricing.js';
import { isProvider } from '../../price/provider-defaults.js';
import { describePriceTable } from '../../price/price-table.js';
import { createPriceResolver, suggestModelIds } from '../../price/resolve.js';
import type { RenderOptions } from '../../render/options.js';
import { TOOL_VERSION } from '../../version.js';
import { addPricingOptions, loadPriceTable } from '../pricing-options.js';
import { addJsonFormatOptions, jsonDocumentText, jsonIndent } from '../json-output.js';

export const PRICING_SCHEMA_VERSION = 1;

function renderOptions(ctx: CliContext): RenderOptions {
  return { color: ctx.isStdoutTTY && !ctx.env['NO_COLOR'], width: ctx.columns };
}

async function run(ctx: CliContext, model: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const table = await loadPriceTable(ctx, raw);
  const providerFilter = raw['provider'];
  if (typeof providerFilter === 'string' && !isProvider(providerFilter)) {
    throw new InputError(`--provider: unknown provider '${providerFilter}'`, 'one of anthropic, openai, google, deepseek, xai, moonshot, zai, mistral');
  }
  const provenance = describePriceTable(table);
  const json = raw['json'] === true;
  const document = (models: ModelPrice[], extra: Record<string, unknown> = {}) => ({
    schemaVersion: PRICING_SCHEMA_VERSION,
    tool: { name: 'token-econ', version: TOOL_VERSION },
    kind: 'pricing',
    asOf: table.asOf,
    source: table.source,
    ...extra,
    models,
  });

  if (model !== undefined) {
    const resolution = createPriceResolver(table).resolve(model);
    if (resolution.kind === 'unknown') {
      const close = suggestModelIds(table, model);
      throw new InputError(
        `unknown model '${model}'${close.length > 0 ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''}`,
        'add it with --price "model=ID,input=…,output=…" or --pricing <file>',
      );
    }
    if (json) {
      await ctx.writeStdout(jsonDocumentText(document([resolution.price], { query: model, matchedBy: resolution.matchedBy }), jsonIndent(ctx, raw)));
      return;
    }
    await ctx.writeStdout(
      (await import('../../render/pricing.js')).renderPricingModel({ query: model, price: resolution.price, matchedBy: resolution.matchedBy, provenance }, renderOptions(ctx)),
    );
    return;
  }

  const models = typeof providerFilter === 'string' ? table.models.filter((m) => m.provider === providerFilter) : table.models;
  if (json) {
    await ctx.writeStdout(jsonDocumentText(document(models), jsonIndent(ctx, raw)));
    return;
  }
  await ctx.writeStdout((await import('../../render/pricing.js')).renderPricingList({ models, provenance }, renderOptions(ctx)));
}

export const pricingCommand: CommandModule = {
  name: 'pricing',
  register(program, ctx) {
    const cmd = program
      .command('pricing')
      .description('show the price table (or one model: how its name resolves and its full price row)')
      .argument('[model]', 'a model id as it appears in logs, e.g. claude-sonnet-4-5-20250929')
      .option('--provider <provider>', 'only models of this provider (anthropic, openai, google, deepseek, xai, moonshot, zai)')
      .option('--json', 'print a versioned JSON document');
    addJsonFormatOptions(cmd);
    addPricingOptions(cmd);
    cmd.action(async (model: string | undefined, raw: Record<string, unknown>) => {
      await run(ctx, model, raw);
    });
    return cmd;
  },
};
