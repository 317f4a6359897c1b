import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the api-jsonl format module lands.
export const apiJsonlFormat: InputFormat = {
  id: 'api-jsonl',
  description: 'api-jsonl (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('api-jsonl', ctx),
};
