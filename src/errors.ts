/** A problem the user can fix (bad flag, missing file, invalid price file). Exit code 2. */
export class InputError extends Error {
  readonly hint: string | null;
  constructor(message: string, hint: string | null = null) {
    super(message);
    this.name = 'InputError';
    this.hint = hint;
  }
}

/** A requested condition failed (e.g. `--fail-above` budget exceeded). Exit code 1. */
export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

/** A bug in token-econ. Exit code 3. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export const EXIT_OK = 0;
export const EXIT_CONDITION_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;
