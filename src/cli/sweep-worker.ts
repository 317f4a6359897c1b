/**
 * Worker-thread entry of the analysis sweep pool (src/cli/sweep-workers.ts):
 * answers the job protocol of src/simulate/sweep.ts.
 */
import { parentPort } from 'node:worker_threads';
import { createTotalsWorkerHandler, type TotalsRequest } from '../simulate/sweep.js';

const port = parentPort;
if (port !== null) {
  const handle = createTotalsWorkerHandler();
  port.on('message', (msg: TotalsRequest) => {
    const reply = handle(msg);
    if (reply !== null) port.postMessage(reply, reply.totals.map((t) => t.buffer as ArrayBuffer));
  });
}
