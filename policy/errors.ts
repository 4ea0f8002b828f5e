/**
 * Thrown when a caller hands the policy functions malformed input (a timestamp without an offset,
 * an attempt number of 0, ...). Configurations never cause it: those go through `validateConfig`.
 * A dedicated class lets the API answer 400 instead of 500.
 */
export class PolicyInputError extends Error {
  override readonly name = 'PolicyInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
