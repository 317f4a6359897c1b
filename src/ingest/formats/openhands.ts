import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the openhands format module lands.
export const openhandsFormat: InputFormat = {
  id: 'openhands',
  description: 'openhands (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('openhands', ctx),
};
