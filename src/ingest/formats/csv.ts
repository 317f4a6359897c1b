import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the csv format module lands.
export const csvFormat: InputFormat = {
  id: 'csv',
  description: 'csv (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('csv', ctx),
};
