/**
 * Provider API usage objects -> disjoint token categories (Turn semantics).
 *
 * | shape              | cached part of the prompt                                        |
 * |--------------------|------------------------------------------------------------------|
 * | openai-chat        | prompt_tokens_details.cached_tokens ⊂ prompt_tokens               |
 * | litellm (chat +    | prompt_tokens INCLUDES cache_read_input_tokens and                |
 * |  Anthropic fields) |   cache_creation_input_tokens (LiteLLM, OpenRouter, OpenHands)    |
 * | openai-responses   | input_tokens_details.cached_tokens ⊂ input_tokens                 |
 * | anthropic-messages | input_tokens EXCLUDES cache_creation/cache_read (all separate)    |
 * | gemini             | cachedContentTokenCount ⊂ promptTokenCount; toolUsePromptTokenCount |
 * |                    |   is extra input; output = candidates + thoughts                  |
 * | deepseek           | prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens |
 *
 * OpenAI-compatible providers (xAI, Moonshot, Z.ai) use the chat shape. xAI
 * reports reasoning tokens OUTSIDE completion_tokens (total = prompt +
 * completion + reasoning); that case is recognised from total_tokens.
 */
import { checkTokens, isRecord, type JsonObject, type UsageCounts } from './parse-helpers.js';

export type ApiShape = 'openai-chat' | 'litellm' | 'openai-responses' | 'anthropic-messages' | 'gemini' | 'deepseek';

export type UsageExtraction =
  | { ok: true; shape: ApiShape; usage: UsageCounts; warnings: string[] }
  | { ok: false; reason: string };

class UsageError extends Error {}

/** Reads a token field or throws UsageError with the reason. */
function tok(obj: JsonObject, field: string, prefix = 'usage.'): number {
  const r = checkTokens(obj[field], `${prefix}${field}`);
  if (!r.ok) throw new UsageError(r.reason);
  return r.value;
}

function has(obj: JsonObject, field: string): boolean {
  return obj[field] !== undefined && obj[field] !== null;
}

function details(obj: JsonObject, field: string): JsonObject {
  const d = obj[field];
  if (d === undefined || d === null) return {};
  if (!isRecord(d)) throw new UsageError(`usage.${field} is not an object`);
  return d;
}

/** Which shape a `usage` object has (null = none recognised). */
export function detectUsageShape(usage: JsonObject, body: JsonObject | null): ApiShape | null {
  if ('prompt_cache_hit_tokens' in usage || 'prompt_cache_miss_tokens' in usage) return 'deepseek';
  if ('prompt_tokens' in usage) {
    return 'cache_creation_input_tokens' in usage || 'cache_read_input_tokens' in usage ? 'litellm' : 'openai-chat';
  }
  if ('promptTokenCount' in usage || 'candidatesTokenCount' in usage) return 'gemini';
  if ('input_tokens' in usage || 'output_tokens' in usage) {
    if ('input_tokens_details' in usage || 'output_tokens_details' in usage || body?.['object'] === 'response') {
      return 'openai-responses';
    }
    if (
      'cache_creation_input_tokens' in usage ||
      'cache_read_input_tokens' in usage ||
      'cache_creation' in usage ||
      body?.['type'] === 'message'
    ) {
      return 'anthropic-messages';
    }
    // Bare {input_tokens, output_tokens}: both readings give the same numbers
    // (no cache), so the model name only decides the label.
    const model = typeof body?.['model'] === 'string' ? (body['model'] as string).toLowerCase() : '';
    return model.includes('claude') ? 'anthropic-messages' : 'openai-responses';
  }
  return null;
}

/**
 * Converts one usage object (`usage`, or Gemini's `usageMetadata`) of a
 * response body into disjoint categories. Malformed numbers (negative, NaN,
 * non-integer, huge, strings) reject the whole usage with a reason.
 */
export function extractUsage(usage: JsonObject, shape: ApiShape): UsageExtraction {
  try {
    const warnings: string[] = [];
    switch (shape) {
      case 'gemini':
        return { ok: true, shape, usage: gemini(usage), warnings };
      case 'anthropic-messages':
        return { ok: true, shape, usage: anthropic(usage, warnings), warnings };
      case 'openai-responses':
        return { ok: true, shape, usage: responses(usage), warnings };
      case 'deepseek':
        return { ok: true, shape, usage: deepseek(usage, warnings), warnings };
      case 'openai-chat':
      case 'litellm':
        return { ok: true, shape, usage: chat(usage, warnings), warnings };
    }
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Anthropic `cache_creation` split; null when absent. */
function cacheCreationSplit(usage: JsonObject): { w5: number; w1: number } | null {
  const cc = usage['cache_creation'];
  if (cc === undefined || cc === null) return null;
  if (!isRecord(cc)) throw new UsageError('usage.cache_creation is not an object');
  if (!('ephemeral_5m_input_tokens' in cc) && !('ephemeral_1h_input_tokens' in cc)) return null;
  return {
    w5: tok(cc, 'ephemeral_5m_input_tokens', 'usage.cache_creation.'),
    w1: tok(cc, 'ephemeral_1h_input_tokens', 'usage.cache_creation.'),
  };
}

/** Splits a total cache-write count into 5m/1h, trusting `cache_creation` when given. */
function splitWrites(
  usage: JsonObject,
  writes: number,
  warnings: string[],
): Pick<UsageCounts, 'cacheWrite5mTokens' | 'cacheWrite1hTokens' | 'isCacheSplitKnown'> {
  const split = cacheCreationSplit(usage);
  if (split) {
    if (split.w5 + split.w1 !== writes && has(usage, 'cache_creation_input_tokens')) {
      warnings.push(
        `cache_creation split (${split.w5} + ${split.w1}) differs from cache_creation_input_tokens (${writes}); the split is used`,
      );
    }
    return { cacheWrite5mTokens: split.w5, cacheWrite1hTokens: split.w1, isCacheSplitKnown: true };
  }
  // Without the split every write is assumed to be a 5-minute write (the API default).
  return { cacheWrite5mTokens: writes, cacheWrite1hTokens: 0, isCacheSplitKnown: writes === 0 };
}

function anthropic(usage: JsonObject, warnings: string[]): UsageCounts {
  const input = tok(usage, 'input_tokens');
  const read = tok(usage, 'cache_read_input_tokens');
  const split = cacheCreationSplit(usage);
  const writes = has(usage, 'cache_creation_input_tokens')
    ? tok(usage, 'cache_creation_input_tokens')
    : split
      ? split.w5 + split.w1
      : 0;
  return {
    inputTokens: input,
    ...splitWrites(usage, writes, warnings),
    cacheReadTokens: read,
    outputTokens: tok(usage, 'output_tokens'),
    reasoningOutputTokens: null,
  };
}

function responses(usage: JsonObject): UsageCounts {
  const input = tok(usage, 'input_tokens');
  const cached = tok(details(usage, 'input_tokens_details'), 'cached_tokens', 'usage.input_tokens_details.');
  if (cached > input) throw new UsageError(`input_tokens_details.cached_tokens (${cached}) exceeds input_tokens (${input})`);
  const outDetails = details(usage, 'output_tokens_details');
  const output = tok(usage, 'output_tokens');
  const reasoning = has(outDetails, 'reasoning_tokens')
    ? tok(outDetails, 'reasoning_tokens', 'usage.output_tokens_details.')
    : null;
  return {
    inputTokens: input - cached,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    isCacheSplitKnown: true,
    cacheReadTokens: cached,
    outputTokens: output,
    reasoningOutputTokens: reasoning,
  };
}

/** Output and reasoning of a chat-shaped usage, recognising xAI's reasoning-outside-completion. */
function chatOutput(usage: JsonObject, prompt: number): { output: number; reasoning: number | null } {
  const completion = tok(usage, 'completion_tokens');
  const cd = details(usage, 'completion_tokens_details');
  const reasoning = has(cd, 'reasoning_tokens') ? tok(cd, 'reasoning_tokens', 'usage.completion_tokens_details.') : null;
  if (reasoning !== null && reasoning > 0 && has(usage, 'total_tokens')) {
    const total = tok(usage, 'total_tokens');
    if (total === prompt + completion + reasoning && total !== prompt + completion) {
      return { output: completion + reasoning, reasoning };
    }
  }
  return { output: completion, reasoning };
}

function chat(usage: JsonObject, warnings: string[]): UsageCounts {
  const prompt = tok(usage, 'prompt_tokens');
  const pd = details(usage, 'prompt_tokens_details');
  // Cache reads: Anthropic-through-LiteLLM field first, then OpenAI's, then Moonshot's top-level one.
  const read = has(usage, 'cache_read_input_tokens')
    ? tok(usage, 'cache_read_input_tokens')
    : has(pd, 'cached_tokens')
      ? tok(pd, 'cached_tokens', 'usage.prompt_tokens_details.')
      : tok(usage, 'cached_tokens');
  const writes = tok(usage, 'cache_creation_input_tokens');
  const { output, reasoning } = chatOutput(usage, prompt);
  let input: number;
  if (prompt >= read + writes) {
    input = prompt - read - writes;
  } else if (prompt >= read) {
    // Some gateways leave cache writes out of prompt_tokens.
    input = prompt - read;
    warnings.push(`prompt_tokens (${prompt}) is smaller than cache reads + writes (${read + writes}); writes counted on top`);
  } else {
    throw new UsageError(`cached tokens (${read}) exceed prompt_tokens (${prompt})`);
  }
  return {
    inputTokens: input,
    ...splitWrites(usage, writes, warnings),
    cacheReadTokens: read,
    outputTokens: output,
    reasoningOutputTokens: reasoning,
  };
}

function deepseek(usage: JsonObject, warnings: string[]): UsageCounts {
  const prompt = has(usage, 'prompt_tokens') ? tok(usage, 'prompt_tokens') : null;
  let hit = has(usage, 'prompt_cache_hit_tokens') ? tok(usage, 'prompt_cache_hit_tokens') : null;
  let miss = has(usage, 'prompt_cache_miss_tokens') ? tok(usage, 'prompt_cache_miss_tokens') : null;
  if (hit === null && miss === null) throw new UsageError('prompt_cache_hit_tokens and prompt_cache_miss_tokens are both null');
  if (hit === null || miss === null) {
    if (prompt === null) throw new UsageError('only one of prompt_cache_hit_tokens / prompt_cache_miss_tokens and no prompt_tokens');
    if (hit === null) hit = prompt - (miss as number);
    else miss = prompt - hit;
    if ((hit as number) < 0 || (miss as number) < 0) throw new UsageError('prompt cache hit/miss exceed prompt_tokens');
  } else if (prompt !== null && hit + miss !== prompt) {
    warnings.push(`prompt_cache_hit_tokens + prompt_cache_miss_tokens (${hit + miss}) differs from prompt_tokens (${prompt}); hit/miss are used`);
  }
  const { output, reasoning } = chatOutput(usage, (hit as number) + (miss as number));
  return {
    inputTokens: miss as number,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    isCacheSplitKnown: true,
    cacheReadTokens: hit as number,
    outputTokens: output,
    reasoningOutputTokens: reasoning,
  };
}

function gemini(meta: JsonObject): UsageCounts {
  const p = 'usageMetadata.';
  const g = (f: string): number => tok(meta, f, p);
  const prompt = g('promptTokenCount');
  const cached = g('cachedContentTokenCount');
  if (cached > prompt) throw new UsageError(`cachedContentTokenCount (${cached}) exceeds promptTokenCount (${prompt})`);
  const toolUse = g('toolUsePromptTokenCount');
  const candidates = g('candidatesTokenCount');
  // thoughtsTokenCount is NOT part of candidatesTokenCount: both are billed as output.
  const thoughts = has(meta, 'thoughtsTokenCount') ? g('thoughtsTokenCount') : null;
  return {
    inputTokens: prompt - cached + toolUse,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    isCacheSplitKnown: true,
    cacheReadTokens: cached,
    outputTokens: candidates + (thoughts ?? 0),
    reasoningOutputTokens: thoughts,
  };
}
