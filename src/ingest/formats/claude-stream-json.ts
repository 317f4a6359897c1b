import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the claude-stream-json format module lands.
export const claudeStreamJsonFormat: InputFormat = {
  id: 'claude-stream-json',
  description: 'claude-stream-json (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('claude-stream-json', ctx),
};
