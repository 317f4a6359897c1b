/**
 * Bundles the compiled CLI (dist/src/cli/entry.js and everything it imports,
 * dependencies included) into one ES module, dist/src/cli/token-econ.bundle.js,
 * which bin/token-econ.js runs: node then loads one file instead of ~100
 * modules, ~25 ms less start-up on every run (BENCHMARKS.md run Q).
 *
 * The bundle sits next to entry.js, so the paths the CLI derives from
 * `import.meta.url` (the cache fingerprints' ../ingest/ etc., the
 * tokenizer's require of js-tiktoken's ranks) resolve as they do in the
 * module build. Each worker entry (ingest-worker.js, sweep-worker.js) is
 * bundled too, into `<bundle>.<worker>.js` next to it, and the CLI bundle
 * starts those (src/cli/worker-entry.ts: TOKEN_ECON_BUNDLE is defined as the
 * bundle's base name); the worker bundles are written first, so a CLI bundle
 * never starts workers of an older build. The CommonJS dependencies bundled
 * in (cli-table3, commander's core) get a `require` for node's built-ins.
 *
 *   node dist/scripts/bundle.js [--out <file>]   (after tsc; `npm run build` runs both)
 *
 * Without a working esbuild (a platform it ships no binary for) the build
 * still succeeds: this prints why and writes nothing, and the bin runs the
 * modules.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cliDir = join(here, '..', 'src', 'cli');

/** Worker entries bundled next to the CLI bundle (src/cli/worker-entry.ts WorkerName). */
export const WORKER_ENTRIES = ['ingest-worker', 'sweep-worker'] as const;

/** The file of worker `name` bundled next to the CLI bundle `outfile`. */
export function workerBundleFile(outfile: string, name: (typeof WORKER_ENTRIES)[number]): string {
  return join(dirname(outfile), `${basename(outfile, '.js')}.${name}.js`);
}

/** Writes the bundle of `entry` to `outfile` (default: token-econ.bundle.js next to entry.js), and its workers' bundles next to it. */
export async function bundleCli(outfile = join(cliDir, 'token-econ.bundle.js'), entry = join(cliDir, 'entry.js')): Promise<void> {
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __tokenEconRequire } from 'node:module'; const require = __tokenEconRequire(import.meta.url);" },
    define: { TOKEN_ECON_BUNDLE: JSON.stringify(basename(outfile, '.js')) },
  } as const;
  for (const name of WORKER_ENTRIES) {
    await build({ ...common, entryPoints: [join(dirname(entry), `${name}.js`)], outfile: workerBundleFile(outfile, name) });
  }
  await build({ ...common, entryPoints: [entry], outfile });
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
