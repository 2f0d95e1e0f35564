/**
 * What the AWS provisioner reads from its stack without starting the CLI: the stack outputs in the
 * checkpoint (the last applied plan). The decision journal lives in provisioners/stack-journal.ts.
 */
import type { Checkpoint } from '../stack-state';

/** Outputs of the root stack resource; undefined when there is no checkpoint, {} before the first update. */
export function checkpointOutputs(cp: Checkpoint | undefined): Record<string, unknown> | undefined {
  if (!cp) return undefined;
  return cp.checkpoint?.latest?.resources?.find((r) => r.type === 'pulumi:pulumi:Stack')?.outputs ?? {};
}
