import type { UpResult } from '@pulumi/pulumi/automation';
import { ATTR } from '../../observability/decision-attributes';
import { withSpan } from '../../observability/spans';

/** `pulumi up` as a span (a child of the provisioning activity's span when tracing is on), with the engine's resource changes. */
export function pulumiUpSpan(stack: string, decisionId: string, up: () => Promise<UpResult>): Promise<UpResult> {
  return withSpan('pulumi.up', { 'pulumi.stack': stack, [ATTR.decisionId]: decisionId }, async (span) => {
    const res = await up();
    const changes = (res.summary.resourceChanges ?? {}) as Record<string, number>;
    span.setAttributes({ 'pulumi.result': res.summary.result, ...Object.fromEntries(Object.entries(changes).map(([op, n]) => [`pulumi.changes.${op}`, n])) });
    return res;
  });
}
