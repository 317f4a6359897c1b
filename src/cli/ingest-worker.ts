/**
 * Worker thread entry for ./ingest-workers.ts: takes files (or byte ranges
 * of a split file) from the shared queue (largest first), parses each with the same readFileInput as the main
 * thread, and posts it back packed (typed arrays transferred, not copied).
 * Stops at the first error (reported with the file's index) or when another
 * thread raised the stop flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Tokenizer } from '../ingest/format.js';
import type { ParsedFile } from '../ingest/ingest.js';
import { packFilePart, packParsedFile, partTransferables, transferablesOf, usePackedArrayPool } from '../ingest/packed.js';
import { PageSlabs } from './page-arrays.js';
import { createTokenizer } from '../normalize/tokenizer.js';
import { SLOT_NEXT, SLOT_STOP, workFrom, type IngestJob, type IngestWorkerData, type IngestWorkerMessage } from './ingest-workers.js';
import { readFileInput, readFileOrPart, readFilePart, type InputFile } from './io.js';
import { GarbageBound } from './heap-tuning.js';

/** Files parsed at once (growth checks of unterminated last lines wait a little). */
const CONCURRENCY = 8;

const data = workerData as IngestWorkerData;
const port = parentPort;
if (!port) throw new Error('ingest-worker.js must run as a worker thread');
const slots = new Int32Array(data.shared);
// Packed turns in shared slabs: they reach the main thread by posting, and leave no malloc'd memory behind (./page-arrays.ts).
usePackedArrayPool(new PageSlabs());
const { inputs, jobs } = workFrom(data.work);
let tokenizer: Tokenizer | null = null;
const getTokenizer = (): Tokenizer => (tokenizer ??= createTokenizer(data.tokenizer));
const post = (m: IngestWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
// A full GC when the heap grew 8 MB past the last one, checked every 32 MB of input: 6 GB first run
// 278-291 -> 258-270 MiB peak RSS (24 MB every 64 MB before; 4 MB every 16 MB: no lower, +0.5 CPU s).
const garbage = new GarbageBound(32 * 1024 * 1024, 8 * 1024 * 1024);

async function loop(): Promise<void> {
  for (;;) {
    if (Atomics.load(slots, SLOT_STOP) !== 0) return;
    const k = Atomics.add(slots, SLOT_NEXT, 1);
    if (k >= jobs.length) return;
    const job = jobs[k] as IngestJob;
    const index = job.index;
    garbage.parsed(job.size);
    try {
      if (job.range) {
        const { part, grown } = await readFilePart(inputs[index] as InputFile, job.range, { getTokenizer });
        const packed = packFilePart(part);
        post({ type: 'part', index, part: job.part, data: packed, grown }, partTransferables(packed));
        continue;
      }
      const input = inputs[index] as InputFile;
      const readOptions = { forcedFormat: data.forcedFormat, columns: data.columns, getTokenizer };
      let file: ParsedFile;
      if (data.keepParts) {
        // The parse cache keeps Claude Code files as parts: send the part, the main thread merges it.
        const r = await readFileOrPart(input, readOptions);
        if (r.kind === 'part') {
          const packed = packFilePart(r.part);
          post({ type: 'whole-part', index, data: packed, grown: r.grown, seen: r.seen }, partTransferables(packed));
          continue;
        }
        file = r.file;
      } else file = await readFileInput(input, readOptions);
      const packed = packParsedFile(file);
      post({ type: 'file', index, file: packed }, transferablesOf(packed));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      Atomics.store(slots, SLOT_STOP, 1);
      post({ type: 'error', index, name: e.name, message: e.message, hint: (e as { hint?: string | null }).hint ?? null });
      return;
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, loop));
post({ type: 'done' });
