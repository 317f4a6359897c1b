/**
 * Bundles the compiled CLI (dist/src/cli/entry.js and everything it imports,
 * dependencies included) into one ES module, dist/src/cli/token-econ.bundle.js,
 * which bin/token-econ.js runs: node then loads one file instead of ~100
 * modules, ~25 ms less start-up on every run (BENCHMARKS.md run Q).
 *
 * The bundle sits next to entry.js, so the paths the CLI derives from
 * `import.meta.url` (the worker entries ./ingest-worker.js and
 * ./sweep-worker.js, the cache fingerprints' ../ingest/ etc., the tokenizer's
 * require of js-tiktoken's ranks) resolve as they do in the module build;
 * the worker threads still load the module build. The CommonJS dependencies
 * bundled in (cli-table3, commander's core) get a `require` for node's
 * built-ins.
 *
 *   node dist/scripts/bundle.js [--out <file>]   (after tsc; `npm run build` runs both)
 *
 * Without a working esbuild (a platform it ships no binary for) the build
 * still succeeds: this prints why and writes nothing, and the bin runs the
 * modules.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cliDir = join(here, '..', 'src', 'cli');

/** Writes the bundle of `entry` to `outfile` (default: token-econ.bundle.js next to entry.js). */
export async function bundleCli(outfile = join(cliDir, 'token-econ.bundle.js'), entry = join(cliDir, 'entry.js')): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __tokenEconRequire } from 'node:module'; const require = __tokenEconRequire(import.meta.url);" },
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? process.argv[i + 1] : undefined;
  try {
    await bundleCli(out === undefined ? undefined : resolve(out));
  } catch (err) {
    // The bundle only saves start-up time: an install must not fail for it.
    process.stderr.write(`bundle: not built (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); bin/token-econ.js runs the modules\n`);
  }
}
