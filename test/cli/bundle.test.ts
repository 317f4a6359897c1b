/**
 * The bundled CLI (scripts/bundle.ts, what bin/token-econ.js runs) prints what
 * the module build prints, byte for byte, on every command and input kind
 * (the worker threads, the tokenizer's lazy require, the dynamic imports of
 * the renderers, a usage error); and bin/token-econ.js runs the bundle only
 * when it is at least as new as the module build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_ENTRIES, bundleCli, workerBundleFile } from '../../scripts/bundle.js';
import { CLI_ENTRY, spawnCli, type CliRun } from '../helpers/cli.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Spawns `script` (the module entry, a bundle, a bin) from the repository root, 100 columns, no cache. */
function run(script: string, args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return spawnCli(args, { ...opts, script, cwd: REPO, columns: 100 });
}

/** The run's clock is the only thing that may differ between two runs of the same command. */
const timeless = (s: string): string => s.replace(/"generatedAt":"[^"]*"/g, '"generatedAt":"…"');

test('the bundled CLI prints what the module build prints, on every command and input kind', { timeout: 120_000 }, async () => {
  // Next to entry.js, as the real bundle: the paths derived from import.meta.url must resolve the same.
  const bundle = join(REPO, 'dist', 'src', 'cli', `.bundle-test-${process.pid}.js`);
  await bundleCli(bundle);
  const workerBundles = WORKER_ENTRIES.map((name) => workerBundleFile(bundle, name));
  try {
    for (const f of workerBundles) assert.ok(existsSync(f), `${f}: the worker's bundle is written next to the CLI's`);
    const analyzeJson = await run(CLI_ENTRY, ['analyze', 'samples/claude-code', '--json']);
    assert.equal(analyzeJson.exitCode, 0, analyzeJson.stderr);
    const cases: Array<{ args: string[]; env?: Record<string, string>; stdin?: string }> = [
      { args: ['--version'] },
      { args: ['--help'] },
      { args: ['analyze', '--help'] },
      { args: ['analyze', 'samples/claude-code', '--json'] },
      { args: ['analyze', 'samples'] },
      // Two threads forced: the worker's URL is derived from the bundle's location.
      { args: ['analyze', 'samples', '--json'], env: { TOKEN_ECON_THREADS: '2' } },
      // Counted with the tokenizer (js-tiktoken required at run time) and read from CSV (csv-parse bundled).
      { args: ['sessions', 'samples/transcript/debug-session.jsonl', 'samples/csv/usage-export.csv', '--json'] },
      { args: ['simulate', '--turns', '30', '--json'] },
      { args: ['pricing', 'claude-sonnet-4-5'] },
      { args: ['report', '--format', 'markdown'], stdin: analyzeJson.stdout },
      { args: ['analyze', 'samples', '--no-such-flag'] },
    ];
    for (const c of cases) {
      const [a, b] = await Promise.all([run(CLI_ENTRY, c.args, c), run(bundle, c.args, c)]);
      const what = c.args.join(' ');
      assert.equal(b.exitCode, a.exitCode, `${what}: exit code`);
      assert.ok(timeless(b.stdout) === timeless(a.stdout), `${what}: stdout differs`);
      assert.equal(b.stderr, a.stderr, `${what}: stderr`);
    }
    const bad = await run(bundle, ['analyze', 'samples', '--no-such-flag']);
    assert.equal(bad.exitCode, 2, 'a usage error is exit code 2 from the bundle too');
    // Without its worker bundles the CLI bundle starts the workers' modules.
    const threads = { args: ['analyze', 'samples', '--json'], env: { TOKEN_ECON_THREADS: '2' } };
    const withWorkerBundles = await run(bundle, threads.args, threads);
    for (const f of workerBundles) rmSync(f);
    const withoutThem = await run(bundle, threads.args, threads);
    assert.equal(withoutThem.exitCode, 0, withoutThem.stderr);
    assert.ok(timeless(withoutThem.stdout) === timeless(withWorkerBundles.stdout), "the same report from the workers' modules");
  } finally {
    rmSync(bundle, { force: true });
    for (const f of workerBundles) rmSync(f, { force: true });
  }
});

test('bin/token-econ.js runs the bundle only when it is at least as new as the module build', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-bin-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
    copyFileSync(join(REPO, 'bin', 'token-econ.js'), join(root, 'bin', 'token-econ.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    const entry = join(root, 'dist', 'src', 'cli', 'entry.js');
    const bundle = join(root, 'dist', 'src', 'cli', 'token-econ.bundle.js');
    writeFileSync(entry, "process.stdout.write('modules ' + process.argv.slice(2).join(' '));\n");
    const bin = join(root, 'bin', 'token-econ.js');
    const ran = async (): Promise<string> => (await run(bin, ['a', 'b'])).stdout;

    assert.equal(await ran(), 'modules a b', 'no bundle: the modules');
    writeFileSync(bundle, "process.stdout.write('bundle ' + process.argv.slice(2).join(' '));\n");
    const t = new Date('2026-01-01T00:00:00Z');
    utimesSync(entry, t, t);
    utimesSync(bundle, t, new Date(t.getTime() + 1000));
    assert.equal(await ran(), 'bundle a b', 'a newer bundle runs');
    utimesSync(bundle, t, t);
    assert.equal(await ran(), 'bundle a b', 'as new (npm packs every file with one time) runs');
    utimesSync(bundle, t, new Date(t.getTime() - 1000));
    assert.equal(await ran(), 'modules a b', 'a bundle older than the modules (tsc ran after it) does not');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
