/**
 * Every metric Kinetic itself exports on the worker's `/metrics` (Temporal's SDK metrics come from
 * the runtime's exporter, see metrics-server.ts). One module, so names, help, labels and units are
 * defined once: `kinetic_` prefix, `_seconds` for durations, `_total` for counters, `_ratio` for
 * shares in 0..1. Labels stay low-cardinality (service, outcome, direction, stage, model, level,
 * budget, step) — never a decision id. Updated from activities in the worker process, never from
 * workflow code (see activity-metrics.ts).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const kineticRegistry = new Registry();

const common = { registers: [kineticRegistry] };

export const kineticMetrics = {
  decisions: new Counter({
    name: 'kinetic_decisions_total',
    help: 'Finished scaling decisions, by service, outcome and planned direction (out, in, none; "unplanned" before a plan).',
    labelNames: ['service', 'outcome', 'direction'] as const,
    ...common,
  }),
  decisionDuration: new Histogram({
    name: 'kinetic_decision_duration_seconds',
    help: 'Time from a decision start to its record, by service and outcome (includes waiting for a person).',
    labelNames: ['service', 'outcome'] as const,
    buckets: [0.5, 1, 2, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    ...common,
  }),
  stageDuration: new Histogram({
    name: 'kinetic_decision_stage_duration_seconds',
    help: 'Time a decision spent in one saga stage (forecast, plan, policy, budget, approval, provision, verify, commit, compensate, needs-operator).',
    labelNames: ['service', 'stage'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    ...common,
  }),
  scalingLatency: new Histogram({
    name: 'kinetic_scaling_latency_seconds',
    help: 'Committed decisions: time from the start of provisioning to verified capacity.',
    labelNames: ['service'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 180, 300, 600, 1200, 1800],
    ...common,
  }),
  forecastMape: new Gauge({
    name: 'kinetic_forecast_mape_ratio',
    help: 'Mean absolute percentage error of the forecasts last scored against realised demand (0.25 = 25%), by service and model ("ensemble" = what decisions acted on).',
    labelNames: ['service', 'model'] as const,
    ...common,
  }),
  forecastMase: new Gauge({
    name: 'kinetic_forecast_mase',
    help: 'Mean absolute scaled error (MAE over the one-step naive error of the realised series) of the forecasts last scored, by service and model.',
    labelNames: ['service', 'model'] as const,
    ...common,
  }),
  forecastCoverage: new Gauge({
    name: 'kinetic_forecast_p90_coverage_ratio',
    help: "Share of the realised demand points last scored that stayed at or below their forecast's P90 peak (0.9 or more is calibrated).",
    labelNames: ['service'] as const,
    ...common,
  }),
  forecastScoredPoints: new Counter({
    name: 'kinetic_forecast_scored_points_total',
    help: 'Realised demand points scored against stored forecasts (reweighting), by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  demandPredicted: new Gauge({
    name: 'kinetic_demand_predicted',
    help: "Peak demand forecast for the decision's planning window (metric units, e.g. req/s), by service and quantile (p50, p90, p99).",
    labelNames: ['service', 'quantile'] as const,
    ...common,
  }),
  demandObserved: new Gauge({
    name: 'kinetic_demand_observed',
    help: 'Newest observed demand the last forecast started from (metric units), by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  capacityCurrent: new Gauge({
    name: 'kinetic_capacity_current_instances',
    help: 'Instances the fleet ran when the last decision planned, by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  capacityPlanned: new Gauge({
    name: 'kinetic_capacity_planned_instances',
    help: 'Instances the last plan asked for, by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  capacityMaxDemand: new Gauge({
    name: 'kinetic_capacity_max_demand',
    help: 'Demand the largest allowed fleet serves at full use: maxInstances × capacityPerInstance (metric units), by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  utilisation: new Gauge({
    name: 'kinetic_utilisation_ratio',
    help: "Observed demand over the current fleet's capacity (current × capacityPerInstance), by service.",
    labelNames: ['service'] as const,
    ...common,
  }),
  waste: new Gauge({
    name: 'kinetic_waste_ratio',
    help: 'Share of the current capacity beyond what observed demand needs at the target utilisation: max(0, 1 − observed / (current × capacityPerInstance × targetUtilization)), by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
  budgetUsed: new Gauge({
    name: 'kinetic_budget_used_ratio',
    help: 'Projected monthly spend over the limit at each budget level the last reservation checked (service, project, department, company), by level and budget name.',
    labelNames: ['level', 'budget'] as const,
    ...common,
  }),
  approvalsPending: new Gauge({
    name: 'kinetic_approvals_pending',
    help: 'Decisions waiting for a person to approve, by service (from Temporal visibility: every worker reports the same number, aggregate with max).',
    labelNames: ['service'] as const,
    ...common,
  }),
  approvalOldestAge: new Gauge({
    name: 'kinetic_approval_oldest_pending_seconds',
    help: 'Age of the oldest decision waiting for approval, by service (0 when none waits).',
    labelNames: ['service'] as const,
    ...common,
  }),
  approvalWait: new Histogram({
    name: 'kinetic_approval_wait_seconds',
    help: 'How long manually approved decisions waited for their answer, by service and answer (approved, rejected, timeout).',
    labelNames: ['service', 'answer'] as const,
    buckets: [1, 10, 30, 60, 300, 900, 1800, 3600, 14400, 86400],
    ...common,
  }),
  compensationFailures: new Counter({
    name: 'kinetic_compensation_failures_total',
    help: 'Compensation steps that failed (the decision then waits for `kinetic resolve`), by service and step.',
    labelNames: ['service', 'step'] as const,
    ...common,
  }),
  fallbackActivations: new Counter({
    name: 'kinetic_fallback_activations_total',
    help: 'Decisions planned by the fallback rule (current capacity + step) after repeated metrics or forecast failures, by service.',
    labelNames: ['service'] as const,
    ...common,
  }),
};

