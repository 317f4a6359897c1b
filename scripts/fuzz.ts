/**
 * `npm run fuzz [-- --cases N --seed S --format ID --big-weight W]`: the
 * properties of test/hardening/fuzz.test.ts (see scripts/fuzz/properties.ts)
 * over many more cases (default 100,000), spread over every seed file.
 * Keeps going after a failure, groups failures by message, prints one
 * reproducible counterexample per group and exits 1 when any property failed.
 * Run from the repository root (the seeds are test/fixtures/fuzz-seeds/).
 */
import fc from 'fast-check';
import { checkCase, describeCase, loadSeeds, caseArb, type FuzzCase } from './fuzz/properties.js';

interface Args {
  cases: number;
  seed: number;
  format: string | null;
  bigWeight: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { cases: 100_000, seed: Date.now() % 2 ** 31, format: null, bigWeight: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) {
        process.stderr.write(`fuzz: ${a} needs a non-negative integer, got ${String(v)}\n`);
        process.exit(2);
      }
      i++;
      return n;
    };
    if (a === '--cases') args.cases = num();
    else if (a === '--seed') args.seed = num();
    else if (a === '--big-weight') args.bigWeight = num();
    else if (a === '--format') {
      args.format = v ?? null;
      i++;
    } else {
      process.stderr.write(`fuzz: unknown argument ${String(a)}\nusage: fuzz [--cases N] [--seed S] [--format ID] [--big-weight W]\n`);
      process.exit(2);
    }
  }
  return args;
}

/** Groups failures by their message with numbers and the case-specific tail removed. */
function groupKey(message: string): string {
  return message
    .split(';')[0]!
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const all = loadSeeds();
  const seeds = args.format ? all.filter((s) => s.format === args.format || s.name.startsWith(args.format ?? '')) : all;
  if (seeds.length === 0) {
    process.stderr.write(`fuzz: no seed file for ${args.format}\n`);
    process.exit(2);
  }
  const arb = caseArb(args.bigWeight);
  const samples = fc.sample(arb, { seed: args.seed, numRuns: args.cases });
  const failures = new Map<string, { count: number; example: FuzzCase; message: string; index: number }>();
  const perFormat = new Map<string, { cases: number; independence: number; mutatedSkipped: number; failed: number }>();
  const t0 = performance.now();
  let lastReport = t0;
  samples.forEach((sample, index) => {
    const c: FuzzCase = { ...sample, seed: index % seeds.length };
    const seed = seeds[c.seed]!;
    const stats = perFormat.get(seed.name) ?? { cases: 0, independence: 0, mutatedSkipped: 0, failed: 0 };
    perFormat.set(seed.name, stats);
    stats.cases++;
    try {
      const r = checkCase(seeds, c);
      if (r.independenceChecked) stats.independence++;
      if (r.mutatedSkipped) stats.mutatedSkipped++;
    } catch (err) {
      stats.failed++;
      const message = err instanceof Error ? err.message : String(err);
      const key = `${seed.name}: ${groupKey(message)}`;
      const f = failures.get(key);
      if (f) f.count++;
      else failures.set(key, { count: 1, example: c, message, index });
    }
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      process.stderr.write(`fuzz: ${index + 1}/${args.cases} cases, ${failures.size} failure kind(s), ${Math.round((now - t0) / 1000)} s\n`);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const lines: string[] = [];
  lines.push(`fuzz: ${args.cases} cases over ${seeds.length} seed file(s) in ${seconds.toFixed(1)} s (seed ${args.seed}; reproduce with --seed ${args.seed} --cases ${args.cases}${args.format ? ` --format ${args.format}` : ''})`);
  lines.push('');
  lines.push(`${'seed file'.padEnd(32)} ${'cases'.padStart(8)} ${'good-lines checked'.padStart(19)} ${'mutated skipped'.padStart(16)} ${'failed'.padStart(8)}`);
  for (const [name, s] of [...perFormat.entries()].sort()) {
    lines.push(`${name.padEnd(32)} ${String(s.cases).padStart(8)} ${String(s.independence).padStart(19)} ${String(s.mutatedSkipped).padStart(16)} ${String(s.failed).padStart(8)}`);
  }
  lines.push('');
  if (failures.size === 0) {
    lines.push('fuzz: all properties held.');
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  lines.push(`fuzz: ${failures.size} kind(s) of failure:`);
  for (const [key, f] of [...failures.entries()].sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`\n- ${key}  (${f.count} case(s); first is case #${f.index})`);
    lines.push(`  ${f.message.slice(0, 600)}`);
    lines.push(`  case: ${describeCase(f.example).slice(0, 1200)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = 1;
}

main();
