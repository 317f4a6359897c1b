/**
 * Worker-thread entry of the analysis sweep pool (src/cli/sweep-workers.ts):
 * answers the job protocol of src/simulate/sweep.ts, and `summed` requests
 * (the transcript TTL variants, src/analyze/summed.ts) on the same workloads.
 */
import { parentPort } from 'node:worker_threads';
import type { Workload } from '../model/simulation.js';
import type { PriceResolver } from '../price/resolve.js';
import { summedTranscripts } from '../analyze/summed.js';
import { createTotalsWorkerHandler, type TotalsRequest } from '../simulate/sweep.js';
import type { SummedReply, SummedRequest } from './sweep-workers.js';

const port = parentPort;
if (port !== null) {
  let workloads: readonly Workload[] | null = null;
  let resolver: PriceResolver | null = null;
  const handle = createTotalsWorkerHandler((w, r) => {
    workloads = w;
    resolver = r;
  });
  port.on('message', (msg: TotalsRequest | SummedRequest) => {
    if (msg.kind === 'summed') {
      let reply: SummedReply;
      try {
        if (workloads === null || resolver === null) throw new Error('sweep worker: summed before workloads');
        const w = workloads;
        const r = resolver;
        reply = { kind: 'summed', id: msg.id, results: summedTranscripts(w, r, msg.jobs), error: null };
      } catch (e) {
        reply = { kind: 'summed', id: msg.id, results: null, error: e instanceof Error ? e.message : String(e) };
      }
      port.postMessage(reply);
      return;
    }
    const reply = handle(msg);
    if (reply !== null) port.postMessage(reply, reply.totals.map((t) => t.buffer as ArrayBuffer));
  });
}
