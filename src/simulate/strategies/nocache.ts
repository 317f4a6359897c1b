/**
 * nocache: the baseline. The same requests as `transcript` (same history,
 * same compactions), with every prompt token billed at the full input price.
 */
import { strategyFromRunner } from '../strategy.js';
import { runTranscript } from './transcript.js';

export const nocacheStrategy = strategyFromRunner<null>({
  id: 'nocache',
  description: 'baseline: the transcript requests with every prompt token at the full input price',
  createMemory: () => null,
  run: (workload, env, meter) => runTranscript(workload, env, meter, true),
});
