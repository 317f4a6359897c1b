import type { CommandModule } from './index.js';
import { InputError } from '../../errors.js';

// Placeholder: replaced by the module that implements `token-econ analyze`.
export const analyzeCommand: CommandModule = {
  name: 'analyze',
  register(program) {
    return program
      .command('analyze')
      .description('(not yet implemented)')
      .action(() => {
        throw new InputError('`analyze` is not implemented yet');
      });
  },
};
