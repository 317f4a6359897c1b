import type { CommandModule } from './index.js';
import { InputError } from '../../errors.js';

// Placeholder: replaced by the module that implements `token-econ report`.
export const reportCommand: CommandModule = {
  name: 'report',
  register(program) {
    return program
      .command('report')
      .description('(not yet implemented)')
      .action(() => {
        throw new InputError('`report` is not implemented yet');
      });
  },
};
