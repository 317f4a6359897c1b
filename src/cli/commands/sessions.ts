import type { CommandModule } from './index.js';
import { InputError } from '../../errors.js';

// Placeholder: replaced by the module that implements `token-econ sessions`.
export const sessionsCommand: CommandModule = {
  name: 'sessions',
  register(program) {
    return program
      .command('sessions')
      .description('(not yet implemented)')
      .action(() => {
        throw new InputError('`sessions` is not implemented yet');
      });
  },
};
