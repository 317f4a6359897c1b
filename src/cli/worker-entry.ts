/**
 * The file a worker thread starts from. The module build starts
 * `./<name>.js` (and its module graph); the CLI bundle (scripts/bundle.ts)
 * also bundles each worker entry into one file next to itself,
 * `<bundle>.<name>.js`, and defines TOKEN_ECON_BUNDLE as its own base name,
 * so its workers load one file instead of ~40 modules. Measured on 2 vCPUs
 * (BENCHMARKS.md run S), from `new Worker` to the ingest worker's first job
 * while the main thread parses: 84-112 ms from the modules, 54-94 ms from
 * its bundle. A bundle whose worker file is missing starts the modules.
 */
import { existsSync } from 'node:fs';

/** Defined by scripts/bundle.ts in the CLI bundle only: its file name without `.js`. */
declare const TOKEN_ECON_BUNDLE: string | undefined;

export type WorkerName = 'ingest-worker' | 'sweep-worker';

/** The bundle's base name, or null in the module build. */
function bundleBase(): string | null {
  return typeof TOKEN_ECON_BUNDLE === 'string' ? TOKEN_ECON_BUNDLE : null;
}

/**
 * The entry of worker `name`, next to `from` (this module's or the bundle's
 * URL): the bundled worker when running from a bundle whose worker file
 * exists, else the module.
 */
export function workerEntry(name: WorkerName, from: string | URL = import.meta.url, base: string | null = bundleBase(), exists: (url: URL) => boolean = existsSync): URL {
  if (base !== null) {
    const bundled = new URL(`./${base}.${name}.js`, from);
    if (exists(bundled)) return bundled;
  }
  return new URL(`./${name}.js`, from);
}
