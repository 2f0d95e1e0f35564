/**
 * What a traced workflow bundle hands to the worker so the worker can build the decision's spans
 * outside the workflow sandbox (observability/workflow-tracing.ts inside, decision-spans.ts
 * outside): the header that carries the trace context to every activity, and the sink the
 * workflow calls once when its run ends. Pure and import-free (only types): it is in the traced
 * bundle, and its sink name marks a bundle as traced (plugins/decisions.ts checks for it).
 */
import type { Sinks } from '@temporalio/workflow';
import type { DecisionRef } from './decision-attributes';

/** Temporal's OpenTelemetry header: the client's StartWorkflow context on the workflow's start. */
export const TEMPORAL_TRACE_HEADER = '_tracer-data';

/** The W3C trace context the run was started in ({} when none), on every activity of a traced run. */
export const TRACE_CARRIER_HEADER = 'kinetic-trace';

/** The sink a traced run calls once when it ends (never on replay: sinks are not called then). */
export const DECISION_TRACE_SINK = 'kineticDecisionTrace';

export type TraceCarrier = Record<string, string>;

export interface RunEnded {
  carrier: TraceCarrier;
  decision?: DecisionRef;
  /** The decision's outcome, when the run returned one. */
  outcome?: string;
  /** The run failed (not: continued as new) with this message. */
  error?: string;
}

export interface DecisionTraceSinks extends Sinks {
  [DECISION_TRACE_SINK]: { runEnded(end: RunEnded): void };
}
