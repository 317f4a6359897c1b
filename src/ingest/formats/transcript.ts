import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the transcript format module lands.
export const transcriptFormat: InputFormat = {
  id: 'transcript',
  description: 'transcript (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('transcript', ctx),
};
