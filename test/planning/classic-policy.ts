/**
 * The five fixed policy checks the saga used before the declarative engine
 * (planning/policy-engine.ts). Kept here only as a test oracle: the engine must agree with them
 * on every rule they share.
 */

export interface PolicyRules {
  minInstances: number;
  maxInstances: number;
  maxStepChange: number;
  cooldownSeconds: number;
  scaleInStabilizationSeconds: number;
}

export interface Recommendation {
  /** Epoch ms when the recommendation was made. */
  at: number;
  target: number;
}

export interface PolicyInput {
  current: number;
  target: number;
  /** Epoch ms of the decision. */
  now: number;
  /** Epoch ms when the service's last committed decision finished. */
  lastCommittedAt?: number;
  /** Targets planned by earlier decisions (any outcome), newest last. */
  recentRecommendations: Recommendation[];
  rules: PolicyRules;
}

export interface RuleCheck {
  rule: 'bounds' | 'max-step' | 'cooldown' | 'scale-in-stabilization';
  passed: boolean;
  message: string;
}

export interface PolicyVerdict {
  allowed: boolean;
  checks: RuleCheck[];
}

export function evaluatePolicy(input: PolicyInput): PolicyVerdict {
  const { current, target, now, rules } = input;
  const checks: RuleCheck[] = [];
  const change = target - current;

  const inBounds = target >= rules.minInstances && target <= rules.maxInstances;
  checks.push({
    rule: 'bounds',
    passed: inBounds,
    message: inBounds
      ? `${target} is within [${rules.minInstances}, ${rules.maxInstances}]`
      : `${target} is outside [${rules.minInstances}, ${rules.maxInstances}]`,
  });

  const stepOk = Math.abs(change) <= rules.maxStepChange;
  checks.push({
    rule: 'max-step',
    passed: stepOk,
    message: stepOk
      ? `change of ${change} is within the max step of ${rules.maxStepChange}`
      : `change of ${change} exceeds the max step of ${rules.maxStepChange}; split it or raise maxStepChange`,
  });

  if (input.lastCommittedAt !== undefined) {
    const since = (now - input.lastCommittedAt) / 1000;
    const ok = since >= rules.cooldownSeconds;
    checks.push({
      rule: 'cooldown',
      passed: ok,
      message: ok
        ? `${Math.round(since)}s since the last committed decision (cooldown ${rules.cooldownSeconds}s)`
        : `only ${Math.round(since)}s since the last committed decision; cooldown is ${rules.cooldownSeconds}s`,
    });
  } else {
    checks.push({ rule: 'cooldown', passed: true, message: 'no earlier committed decision' });
  }

  if (change < 0) {
    const windowStart = now - rules.scaleInStabilizationSeconds * 1000;
    const recent = input.recentRecommendations.filter((r) => r.at >= windowStart && r.at <= now);
    const highest = recent.reduce((m, r) => Math.max(m, r.target), target);
    const ok = highest <= target;
    checks.push({
      rule: 'scale-in-stabilization',
      passed: ok,
      message: ok
        ? `no recommendation above ${target} in the last ${rules.scaleInStabilizationSeconds}s`
        : `a recommendation of ${highest} was made in the last ${rules.scaleInStabilizationSeconds}s; scale-in waits for the window to pass`,
    });
  }

  return { allowed: checks.every((c) => c.passed), checks };
}
