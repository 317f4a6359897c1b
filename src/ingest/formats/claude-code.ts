import type { InputFormat } from '../format.js';
import { createStubParser } from '../stub.js';

// Placeholder until the claude-code format module lands.
export const claudeCodeFormat: InputFormat = {
  id: 'claude-code',
  description: 'claude-code (not implemented yet)',
  detect: () => 0,
  createParser: (ctx) => createStubParser('claude-code', ctx),
};
