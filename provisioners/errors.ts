/** A provisioning failure. `retryable: false` tells the activity not to try again (go to compensation). */
export class ProvisionError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The Temporal failure type of a non-retryable error (default ProvisionFailed), for failures callers tell apart. */
    readonly failureType?: string,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}
