#!/usr/bin/env node
// The CLI bundled into one file (scripts/bundle.ts: ~25 ms less start-up than loading the module graph), unless
// the bundle is missing or older than the module build (a `tsc` run after it): then the modules, so a stale
// bundle never runs.
import { statSync } from 'node:fs';

const cli = new URL('../dist/src/cli/', import.meta.url);
let entry = 'entry.js';
try {
  if (statSync(new URL('token-econ.bundle.js', cli)).mtimeMs >= statSync(new URL('entry.js', cli)).mtimeMs) entry = 'token-econ.bundle.js';
} catch {
  // No bundle: the modules.
}
await import(new URL(entry, cli).href);
