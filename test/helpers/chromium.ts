/**
 * Headless Chromium for the HTML report tests: find the binary, start it
 * with a fresh profile in a temp dir and no background networking, and
 * drive one page over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: fd 3 in, fd 4 out, NUL-separated JSON), so a
 * test can load a `file://` page, record every request it makes and every
 * console/CSP message, and read the live DOM with `Runtime.evaluate` (which
 * the page's CSP does not restrict).
 *
 * Tests may spawn processes (only src/ is bound to the I/O layering);
 * everything that does lives here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--mute-audio',
  '--hide-scrollbars',
];

/** The Chromium binary: CHROMIUM_BIN, else chromium / chromium-browser / google-chrome on PATH; null when absent. */
export function findChromium(): string | null {
  const explicit = process.env['CHROMIUM_BIN'];
  const candidates = explicit ? [explicit] : [];
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) candidates.push(join(dir, name));
  }
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not there
    }
  }
  return null;
}

/** Why a browser test is skipped, or null when Chromium is available. */
export function chromiumSkipReason(): string | null {
  return findChromium() === null
    ? 'headless Chromium not found (install the Debian package `chromium`, or set CHROMIUM_BIN); the HTML report was not checked in a browser'
    : null;
}

export interface RequestRecord {
  url: string;
  type: string | undefined;
}

export interface PageVisit {
  /** Every request the page made (the document itself included). */
  requests: RequestRecord[];
  /** Console messages, log entries (CSP violations land here) and uncaught exceptions. */
  messages: string[];
  /** Results of the expressions, in order (JSON values). */
  values: unknown[];
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export interface VisitOptions {
  timeoutMs?: number;
  settleMs?: number;
  width?: number;
  height?: number;
}

/** {@link visitPages} for one page. */
export async function visitPage(url: string, expressions: string[], options: VisitOptions = {}): Promise<PageVisit> {
  return (await visitPages([url], expressions, options))[0] as PageVisit;
}

/**
 * Opens each url in its own tab of one fresh headless Chromium (one start,
 * several pages), waits for the load event (and `settleMs` more for anything
 * asynchronous a payload might start), then evaluates each expression in the
 * page and returns the values with the requests and messages seen, per page.
 * Rejects after `timeoutMs`.
 */
export async function visitPages(urls: string[], expressions: string[], options: VisitOptions = {}): Promise<PageVisit[]> {
  const bin = findChromium();
  if (bin === null) throw new Error('chromium not found');
  const profile = mkdtempSync(join(tmpdir(), 'te-chromium-'));
  const child = spawn(
    bin,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--window-size=${options.width ?? 1280},${options.height ?? 1000}`, '--remote-debugging-pipe', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 20_000) stderr += d;
  });
  const visits: PageVisit[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const cdp = new Cdp(child);
    const run = async (): Promise<void> => {
      for (const url of urls) visits.push(await open(url));
      await cdp.send('Browser.close', {}).catch(() => undefined);
    };
    const open = async (url: string): Promise<PageVisit> => {
      const visit: PageVisit = { requests: [], messages: [], values: [] };
      const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      cdp.on(sessionId, (m) => {
        const p = m.params ?? {};
        if (m.method === 'Network.requestWillBeSent') {
          const req = p['request'] as { url: string };
          visit.requests.push({ url: req.url, type: p['type'] as string | undefined });
        } else if (m.method === 'Log.entryAdded') {
          const e = p['entry'] as { level: string; text: string; source: string };
          visit.messages.push(`log ${e.source} ${e.level}: ${e.text}`);
        } else if (m.method === 'Runtime.consoleAPICalled') {
          visit.messages.push(`console ${String(p['type'])}: ${JSON.stringify(p['args'])}`);
        } else if (m.method === 'Runtime.exceptionThrown') {
          visit.messages.push(`exception: ${JSON.stringify(p['exceptionDetails'])}`);
        }
      });
      await cdp.send('Network.enable', {}, sessionId);
      await cdp.send('Log.enable', {}, sessionId);
      await cdp.send('Runtime.enable', {}, sessionId);
      await cdp.send('Page.enable', {}, sessionId);
      const loaded = cdp.waitFor(sessionId, 'Page.loadEventFired');
      const nav = (await cdp.send('Page.navigate', { url }, sessionId)) as { errorText?: string };
      if (nav.errorText) throw new Error(`navigation to ${url} failed: ${nav.errorText}`);
      await loaded;
      await new Promise((r) => setTimeout(r, options.settleMs ?? 150));
      for (const expression of expressions) {
        const res = (await cdp.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
          result: { value?: unknown };
          exceptionDetails?: unknown;
        };
        if (res.exceptionDetails) throw new Error(`evaluating ${expression}: ${JSON.stringify(res.exceptionDetails)}`);
        visit.values.push(res.result.value);
      }
      await cdp.send('Target.closeTarget', { targetId }).catch(() => undefined);
      return visit;
    };
    await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`chromium did not finish within ${timeoutMs} ms; stderr:\n${stderr.slice(-2000)}`)), timeoutMs);
      }),
      new Promise<never>((_, reject) => {
        child.once('exit', (code) => reject(new Error(`chromium exited early (code ${code}); stderr:\n${stderr.slice(-2000)}`)));
      }),
    ]);
    return visits;
  } finally {
    if (timer) clearTimeout(timer);
    await stop(child);
    // Chromium's helper processes may still be writing the profile for a moment after the browser exits.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // best effort: a leftover profile in the temp dir is harmless
    }
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A minimal DevTools-protocol client over Chromium's pipe transport. */
class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Array<(m: CdpMessage) => void>>();
  private readonly out: Writable;
  private buffer = '';

  constructor(child: ChildProcess) {
    this.out = child.stdio[3] as Writable;
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\0')) >= 0) {
        const text = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        this.dispatch(JSON.parse(text) as CdpMessage);
      }
    });
    // A write after the browser is gone must not crash the test process.
    this.out.on('error', () => undefined);
  }

  private dispatch(m: CdpMessage): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result ?? {});
      return;
    }
    for (const fn of this.listeners.get(m.sessionId ?? '') ?? []) fn(m);
  }

  send(method: string, params: Record<string, unknown>, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(sessionId: string, fn: (m: CdpMessage) => void): void {
    this.listeners.set(sessionId, [...(this.listeners.get(sessionId) ?? []), fn]);
  }

  waitFor(sessionId: string, method: string): Promise<void> {
    return new Promise((resolve) => this.on(sessionId, (m) => m.method === method && resolve()));
  }
}
