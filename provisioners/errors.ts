/** A provisioning failure. `retryable: false` tells the activity not to try again (go to compensation). */
export class ProvisionError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}
