/**
 * Benchmark of src/normalize/tokenizer.ts against plain js-tiktoken (and
 * gpt-tokenizer when installed), on deterministic realistic text: code, prose,
 * JSON tool results, non-ASCII prose and emoji. Checks that every count is
 * identical, then prints MB/s and ratios measured in this same run.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/bench-tokenizer.js [--mb 4] [--encoding o200k_base]
 *
 * Exits 1 when a count differs.
 */
import { getEncoding } from 'js-tiktoken';
import { createTokenizer, type EncodingName } from '../src/normalize/tokenizer.js';

/** Small deterministic PRNG (mulberry32), so every run tokenizes the same text. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the cache request session token prompt model cost write read expired compaction agent tool result ' +
  'function returns value error failed because context window simulation strategy replay state transcript ' +
  'we should check whether this is the reason why tests are flaky on CI after the refactor of the parser'
).split(' ');
const IDENTS = ['userId', 'parseLine', 'cacheReadTokens', 'handleRequest', 'i', 'config', 'fetchJson', 'total_cost_usd', 'HTTPServer', 'x2'];
const NON_ASCII = [
  'Größenänderung der Datei fehlgeschlagen',
  'не удалось прочитать конфигурацию',
  '缓存命中率很低，需要检查提示前缀',
  'キャッシュの有効期限が切れました',
  'café naïve résumé à la carte',
  'مرحبا بالعالم',
  'ﬁle ﬂow Ǆ ǅ ǆ ß ẞ',
];
const EMOJI = ['🚀', '✅', '❌', '👍🏽', '👨‍👩‍👧', '🇫🇷', '🔥🔥', '⚠️'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

/** Deterministic mixed corpus of roughly `bytes` UTF-8 bytes, in documents of a few KB. */
export function makeCorpus(bytes: number, seed = 42): string[] {
  const r = rng(seed);
  const docs: string[] = [];
  let size = 0;
  while (size < bytes) {
    const kind = r();
    let doc = '';
    if (kind < 0.35) {
      // TypeScript-ish code
      for (let l = 0; l < 40; l++) {
        const indent = '  '.repeat(Math.floor(r() * 4));
        const a = pick(r, IDENTS);
        const b = pick(r, IDENTS);
        const n = Math.floor(r() * 100000);
        doc += pick(r, [
          `${indent}const ${a} = await ${b}(${n}, "${pick(r, WORDS)}");\n`,
          `${indent}if (${a}.length > ${n} && !${b}) {\n`,
          `${indent}}\n`,
          `${indent}// ${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, WORDS)}\n`,
          `${indent}return { ${a}: ${b}?.${a} ?? null, n: ${n / 7} };\n`,
          `\n`,
        ]);
      }
    } else if (kind < 0.65) {
      // prose, markdown
      for (let p = 0; p < 6; p++) {
        let sentence = '';
        for (let w = 0; w < 12 + Math.floor(r() * 20); w++) sentence += (w === 0 ? '' : ' ') + pick(r, WORDS);
        doc += `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}. I'm sure it's fine, isn't it?\n\n`;
        if (r() < 0.3) doc += `- item ${p}: \`${pick(r, IDENTS)}\`\n`;
      }
    } else if (kind < 0.85) {
      // JSON tool results
      const obj: Record<string, unknown> = {};
      for (let k = 0; k < 20; k++) {
        obj[pick(r, IDENTS)] = r() < 0.5 ? Math.floor(r() * 1e6) : `${pick(r, WORDS)} ${pick(r, WORDS)}`;
      }
      doc = JSON.stringify({ type: 'tool_result', id: `toolu_${Math.floor(r() * 1e12).toString(36)}`, content: obj }, null, 2) + '\n';
    } else {
      // non-ASCII prose with emoji
      for (let l = 0; l < 10; l++) doc += `${pick(r, NON_ASCII)} ${pick(r, EMOJI)} ${pick(r, WORDS)}\n`;
    }
    docs.push(doc);
    size += Buffer.byteLength(doc, 'utf8');
  }
  return docs;
}

function timeIt(fn: () => number): { ms: number; tokens: number } {
  const t0 = performance.now();
  const tokens = fn();
  return { ms: performance.now() - t0, tokens };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mbArg = args.indexOf('--mb');
  const encArg = args.indexOf('--encoding');
  const mb = mbArg >= 0 ? Number(args[mbArg + 1]) : 4;
  const encodings: EncodingName[] = encArg >= 0 ? [args[encArg + 1] as EncodingName] : ['o200k_base', 'cl100k_base'];
  const docs = makeCorpus(mb * 1024 * 1024);
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d, 'utf8'), 0);
  const megabytes = bytes / (1024 * 1024);
  let gpt: Record<string, { countTokens?: (t: string) => number; encode: (t: string) => number[] }> = {};
  for (const enc of encodings) {
    try {
      gpt[enc] = (await import(`gpt-tokenizer/encoding/${enc}`)) as (typeof gpt)[string];
    } catch {
      gpt = {};
    }
  }
  let mismatches = 0;
  console.log(`corpus: ${docs.length} documents, ${megabytes.toFixed(2)} MB (code, prose, JSON, non-ASCII, emoji)`);
  for (const enc of encodings) {
    const fast = createTokenizer(enc);
    const reference = getEncoding(enc);
    // Warm-up loads the rank files so load time is not measured as throughput.
    const loadFast = timeIt(() => fast.count('warm up'));
    reference.encode('warm up');
    const ref = timeIt(() => docs.reduce((s, d) => s + reference.encode(d, [], []).length, 0));
    const cold = timeIt(() => docs.reduce((s, d) => s + fast.count(d), 0));
    const warm = timeIt(() => docs.reduce((s, d) => s + fast.count(d), 0));
    const g = gpt[enc];
    const gptRun = g ? timeIt(() => docs.reduce((s, d) => s + (g.countTokens ? g.countTokens(d) : g.encode(d).length), 0)) : null;
    for (const d of docs) {
      const a = fast.count(d);
      const b = reference.encode(d, [], []).length;
      if (a !== b) {
        mismatches++;
        if (mismatches <= 5) console.error(`MISMATCH ${enc}: fast ${a} vs js-tiktoken ${b} for ${JSON.stringify(d.slice(0, 80))}…`);
      }
    }
    const rate = (ms: number): number => megabytes / (ms / 1000);
    console.log(`\n${enc}: ${ref.tokens} tokens (js-tiktoken) / ${cold.tokens} (fast)${gptRun ? ` / ${gptRun.tokens} (gpt-tokenizer)` : ''}`);
    console.log(`  rank load   ${loadFast.ms.toFixed(0)} ms (first count; js-tiktoken loads at import)`);
    console.log(`  js-tiktoken ${rate(ref.ms).toFixed(2)} MB/s`);
    console.log(`  fast (cold) ${rate(cold.ms).toFixed(2)} MB/s  x${(ref.ms / cold.ms).toFixed(2)} vs js-tiktoken`);
    console.log(`  fast (warm) ${rate(warm.ms).toFixed(2)} MB/s  x${(ref.ms / warm.ms).toFixed(2)} vs js-tiktoken`);
    if (gptRun) {
      console.log(`  gpt-tokenizer ${rate(gptRun.ms).toFixed(2)} MB/s; fast cold is x${(gptRun.ms / cold.ms).toFixed(2)} of it`);
      if (gptRun.tokens !== ref.tokens) console.log(`  note: gpt-tokenizer total differs from js-tiktoken by ${gptRun.tokens - ref.tokens}`);
    } else {
      console.log('  gpt-tokenizer not installed: skipped');
    }
    if (cold.tokens !== ref.tokens || warm.tokens !== ref.tokens) mismatches++;
  }
  if (mismatches > 0) {
    console.error(`\n${mismatches} mismatching counts`);
    process.exitCode = 1;
  } else {
    console.log('\nall counts identical to js-tiktoken');
  }
}

void main();
