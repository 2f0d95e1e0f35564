import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { transientRefusal } from '../../client/budget-authority';

/** Which refusals of the server the budget authority client retries (the shapes the SDK throws). */
describe('budget authority client: transient refusals', () => {
  const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

  it('retries too many updates in flight and updates aborted by the server', () => {
    expect(transientRefusal(new ServiceError('Update-With-Start failed', { cause: grpc(8, 'limit on number of concurrent in-flight updates has been reached (10)') }))).toBe(true);
    expect(transientRefusal(new ServiceError('Update-With-Start failed', { cause: grpc(14, 'MultiOperation could not be executed: Update failed: workflow update was aborted') }))).toBe(true);
    expect(transientRefusal(new Error('workflow is closing'))).toBe(true);
  });

  it('does not retry what the authority decided or a bad request', () => {
    expect(transientRefusal(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('poolLimit must be a number >= 0', 'InvalidBudgetRequest')))).toBe(false);
    expect(transientRefusal(new ServiceError('Update-With-Start failed', { cause: grpc(3, 'invalid argument') }))).toBe(false);
    expect(transientRefusal(new Error('budget authority did not answer'))).toBe(false);
  });
});
