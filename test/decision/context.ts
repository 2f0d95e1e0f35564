import type { DecisionContext } from '../../decision/context';
import type { ForecastSummary } from '../../decision/forecast';
import type { PolicyConfig } from '../../planning/policy-engine';

/**
 * A single-pool service for decision/ tests: 10 req/s per instance at 100% utilisation, 1–20
 * instances, 0.10/h each, 4 instances running; no approval or policy condition unless given.
 */
export function singlePoolContext(over: Omit<Partial<DecisionContext>, 'policy'> & { policy?: Partial<PolicyConfig> } = {}): DecisionContext {
  const { policy, ...rest } = over;
  return {
    service: 'web',
    provisioner: 'dry-run',
    metric: 'requests_per_second',
    capacityPerInstance: 10,
    targetUtilization: 1,
    minInstances: 1,
    maxInstances: 20,
    leadSeconds: 120,
    intervalSeconds: 60,
    cooldownSeconds: 0,
    scaleInStabilizationSeconds: 0,
    maxStepChange: 10,
    hourlyPerInstance: 0.1,
    budgetPool: 'web',
    monthlyBudget: 1000,
    approval: { autoApprove: { maxStepChange: 10, maxHourlyCostIncrease: Infinity, allowScaleIn: true }, approvers: [], timeoutSeconds: 60 },
    current: { service: 'web', tiers: { default: 4 }, total: 4 },
    recentRecommendations: [],
    policy: {
      minInstances: 1,
      maxInstances: 20,
      tierLimits: {},
      maxStep: { absolute: 10 },
      cooldownSeconds: 0,
      scaleInStabilizationSeconds: 0,
      freezeWindows: [],
      requireApproval: {},
      ...policy,
    },
    budget: { onExceed: 'reject', tags: {} },
    ...rest,
  };
}

/** A forecast of the planning window with these peaks. */
export function forecastOf(peaks: { p50: number; p90: number; p99: number }, extra: Partial<ForecastSummary> = {}): ForecastSummary {
  return {
    model: 'test',
    metric: 'requests_per_second',
    stepSeconds: 60,
    historyPoints: 30,
    lastObserved: peaks.p50,
    fromStep: 2,
    toStep: 3,
    peakP50: peaks.p50,
    peakP90: peaks.p90,
    peakP99: peaks.p99,
    coldStart: false,
    notes: [],
    ...extra,
  };
}
