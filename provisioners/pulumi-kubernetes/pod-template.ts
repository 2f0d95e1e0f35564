/**
 * The pod-template part Kinetic owns under a versioned template: one container's requests/limits
 * and, for a Deployment, the RollingUpdate bounds the change rolls out with. Changing them rolls
 * the pods; a StatefulSet rolls with its own updateStrategy.
 */
import type { ConfigTemplate } from '../../planning/vertical';
import type { KubernetesTarget } from './spec';

export function templateSpec(t: KubernetesTarget, template: ConfigTemplate | undefined): Record<string, unknown> {
  if (!template?.resources) return {};
  const container = { name: t.container ?? t.name, resources: template.resources };
  const strategy = t.kind === 'Deployment' && template.rollingUpdate ? { strategy: { rollingUpdate: template.rollingUpdate } } : {};
  return { ...strategy, template: { spec: { containers: [container] } } };
}
