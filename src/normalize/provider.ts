import type { Provider } from '../model/usage.js';

/**
 * Strips routing prefixes (`anthropic/`, `openrouter/x/`, `bedrock/us.anthropic.`…)
 * so `openrouter/anthropic/claude-sonnet-4` is recognised as a Claude model.
 */
function bareModelName(model: string): string {
  const lower = model.trim().toLowerCase();
  const lastSlash = lower.lastIndexOf('/');
  let bare = lastSlash >= 0 ? lower.slice(lastSlash + 1) : lower;
  // Bedrock / Vertex style ids: `us.anthropic.claude-…`, `anthropic.claude-…`.
  const dotted = bare.match(/^(?:[a-z]{2}\.)?(?:anthropic|meta|amazon|mistral|deepseek)\.(.+)$/);
  if (dotted?.[1]) bare = dotted[1];
  return bare;
}

/** Providers of the model ids seen (a log names a handful, once per request): no lowercasing and regex per request. */
const providerMemo = new Map<string, Provider>();
const PROVIDER_MEMO_MAX = 10_000;

/** Provider family of a model id as logged; `unknown` when no family matches. */
export function providerOfModel(model: string): Provider {
  let p = providerMemo.get(model);
  if (p === undefined) {
    p = providerOf(model);
    if (providerMemo.size >= PROVIDER_MEMO_MAX) providerMemo.clear();
    providerMemo.set(model, p);
  }
  return p;
}

function providerOf(model: string): Provider {
  const bare = bareModelName(model);
  if (bare.startsWith('claude')) return 'anthropic';
  if (/^(gpt|chatgpt|o1|o3|o4|codex|text-embedding|davinci|babbage)/.test(bare)) return 'openai';
  if (bare.startsWith('gemini') || bare.startsWith('gemma')) return 'google';
  if (bare.startsWith('deepseek')) return 'deepseek';
  if (bare.startsWith('grok')) return 'xai';
  if (bare.startsWith('kimi') || bare.startsWith('moonshot')) return 'moonshot';
  if (bare.startsWith('glm')) return 'zai';
  if (/^(mistral|codestral|devstral|magistral|ministral|pixtral)/.test(bare)) return 'mistral';
  return 'unknown';
}
