import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the codex format module lands.
export const codexFormat: InputFormat = {
  id: 'codex',
  description: 'codex (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('codex', ctx),
};
