import type { CommandModule } from './index.js';
import { InputError } from '../../errors.js';

// Placeholder: replaced by the module that implements `token-econ pricing`.
export const pricingCommand: CommandModule = {
  name: 'pricing',
  register(program) {
    return program
      .command('pricing')
      .description('(not yet implemented)')
      .action(() => {
        throw new InputError('`pricing` is not implemented yet');
      });
  },
};
