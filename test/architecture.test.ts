/**
 * Enforces the layering of docs/DEVELOPMENT.md by scanning import lines:
 * pure core, thin shell; one library, one module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path.split('\\').join('/'));
  }
  return out;
}

interface ImportLine {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function importsOf(file: string): ImportLine[] {
  const text = readFileSync(file, 'utf8');
  const out: ImportLine[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec) out.push({ file, spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const FILES = sourceFiles('src');
const IMPORTS = FILES.flatMap(importsOf);

/** Which files may import a module. */
const CONFINED: Array<{ modules: RegExp; allowed: RegExp; why: string }> = [
  { modules: /^(node:)?(fs|fs\/promises|child_process|readline|worker_threads|os)$/, allowed: /^src\/cli\//, why: 'only the shell does I/O' },
  { modules: /^(node:)?process$/, allowed: /^src\/cli\//, why: 'only the shell sees the process' },
  { modules: /^commander$/, allowed: /^src\/cli\//, why: 'argv parsing belongs to the shell' },
  { modules: /^(chalk|cli-table3|asciichart)$/, allowed: /^src\/render\//, why: 'terminal styling belongs to renderers' },
  { modules: /^csv-parse(\/.*)?$/, allowed: /^src\/ingest\/formats\/csv\.ts$/, why: 'one library, one module' },
  { modules: /^js-tiktoken(\/.*)?$/, allowed: /^src\/normalize\/tokenizer\.ts$/, why: 'one library, one module' },
];

test('libraries and I/O modules are imported only where the layering allows', () => {
  const violations = IMPORTS.filter((i) => !i.typeOnly).flatMap((i) =>
    CONFINED.filter((c) => c.modules.test(i.spec) && !c.allowed.test(i.file)).map(
      (c) => `${i.file} imports ${i.spec} (${c.why})`,
    ),
  );
  assert.deepEqual(violations, []);
});

test('renderers depend only on model types and other renderers (type imports excepted)', () => {
  const violations = IMPORTS.filter(
    (i) => i.file.startsWith('src/render/') && !i.typeOnly && i.spec.startsWith('.') && !/^\.\.\/(model|version)|^\.\/|^\.\.\/render\//.test(i.spec),
  ).map((i) => `${i.file} imports ${i.spec}`);
  assert.deepEqual(violations, []);
});

test('no core module imports the shell', () => {
  const violations = IMPORTS.filter((i) => !i.file.startsWith('src/cli/') && /(^|\/)cli\//.test(i.spec)).map(
    (i) => `${i.file} imports ${i.spec}`,
  );
  assert.deepEqual(violations, []);
});

test('outside the shell nothing reads the clock, the environment or the console', () => {
  const violations: string[] = [];
  for (const file of FILES.filter((f) => !f.startsWith('src/cli/'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/\bDate\.now\(|new Date\(\s*\)|\bprocess\.|\bconsole\.|Math\.random\(/.test(code)) {
          violations.push(`${file}:${i + 1}: ${line.trim()}`);
        }
      });
  }
  assert.deepEqual(violations, []);
});

test('the scanner sees the imports it is meant to police', () => {
  // Guards the regex above: if it stopped matching, every test here would pass vacuously.
  assert.ok(IMPORTS.some((i) => i.file === 'src/cli/main.ts' && i.spec === 'commander'));
  assert.ok(IMPORTS.some((i) => i.file === 'src/render/table.ts' && i.spec === 'cli-table3'));
  assert.ok(IMPORTS.some((i) => i.typeOnly));
});
