import type { CommandModule } from './index.js';
import { InputError } from '../../errors.js';

// Placeholder: replaced by the module that implements `token-econ simulate`.
export const simulateCommand: CommandModule = {
  name: 'simulate',
  register(program) {
    return program
      .command('simulate')
      .description('(not yet implemented)')
      .action(() => {
        throw new InputError('`simulate` is not implemented yet');
      });
  },
};
