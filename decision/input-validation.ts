/**
 * The saga's input, checked before its first step: a client in any language (`temporal workflow
 * start` with hand-written JSON, say) gets one message naming the field and the fix. Pure and
 * import-free: it runs inside the workflow bundle.
 */

/** Failure type of a decision refused for its input (non-retryable). */
export const INVALID_DECISION_INPUT = 'InvalidDecisionInput';

/** Service names as kinetic.yaml allows them. */
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** `<service>-<UTC yyyymmddhhmmss>-<4 hex>`, as the client makes them. */
const DECISION_ID_TAIL = /^-\d{14}-[0-9a-f]{4}$/;
const TRIGGER_KINDS = ['manual', 'api', 'control-loop', 'schedule', 'demo', 'test'];
/** Largest `targetOverride` taken at all (the policy's bounds still apply to smaller ones). */
export const MAX_TARGET_OVERRIDE = 100_000;
/** Allowed range of each timeout, in seconds. */
export const TIMEOUT_BOUNDS: Record<string, [number, number]> = {
  stepSeconds: [1, 3600],
  forecastSeconds: [1, 6 * 3600],
  provisionSeconds: [1, 24 * 3600],
  heartbeatSeconds: [1, 3600],
  verifySeconds: [1, 24 * 3600],
};

const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v) ?? String(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of a decision input, each naming the field and the fix; empty when it is valid. */
export function decisionInputProblems(input: unknown): string[] {
  if (!isObject(input)) return [`input is ${show(input)}; pass one object { decisionId, service, trigger, dryRun?, targetOverride?, timeouts? }`];
  const out: string[] = [];
  const { service, decisionId, trigger, dryRun, targetOverride, timeouts, token } = input;
  const serviceOk = typeof service === 'string' && SERVICE_NAME.test(service);
  if (!serviceOk) out.push(`service is ${show(service)}; use a service name of kinetic.yaml (lowercase letters, digits, dashes, starting with a letter, at most 63 characters)`);
  if (typeof decisionId !== 'string' || (serviceOk && !(decisionId.startsWith(service as string) && DECISION_ID_TAIL.test(decisionId.slice((service as string).length))))) {
    out.push(`decisionId is ${show(decisionId)}; use "<service>-<UTC yyyymmddhhmmss>-<4 hex digits>" with the same service, e.g. "${serviceOk ? service : 'checkout'}-20261122101500-ab12"`);
  }
  if (!isObject(trigger) || !TRIGGER_KINDS.includes(trigger.kind as string)) {
    out.push(`trigger is ${show(trigger)}; pass { "kind": one of ${TRIGGER_KINDS.join(', ')}, "by"?: who asked }`);
  }
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') out.push(`dryRun is ${show(dryRun)}; use true, false or leave it out`);
  if (targetOverride !== undefined && targetOverride !== null) {
    if (typeof targetOverride !== 'number' || !Number.isInteger(targetOverride) || targetOverride < 0 || targetOverride > MAX_TARGET_OVERRIDE) {
      out.push(`targetOverride is ${show(targetOverride)}; use a whole number of instances from 0 to ${MAX_TARGET_OVERRIDE}, or leave it out to plan from the forecast`);
    }
  }
  if (token !== undefined && token !== null && (typeof token !== 'string' || token === '')) {
    out.push('token is not a string; pass the OpenID Connect token (a JWT, from `kinetic login`) or leave it out');
  }
  if (timeouts !== undefined && timeouts !== null) {
    if (!isObject(timeouts)) {
      out.push(`timeouts is ${show(timeouts)}; pass an object of seconds, e.g. { "stepSeconds": 30 }, or leave it out`);
    } else {
      for (const [key, value] of Object.entries(timeouts)) {
        const bounds = TIMEOUT_BOUNDS[key];
        if (!bounds) {
          out.push(`timeouts.${key} is not a timeout; use ${Object.keys(TIMEOUT_BOUNDS).join(', ')}`);
        } else if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < bounds[0] || value > bounds[1])) {
          out.push(`timeouts.${key} is ${show(value)}; use a number of seconds from ${bounds[0]} to ${bounds[1]}`);
        }
      }
    }
  }
  return out;
}

/** The failure message for an input with problems. */
export function invalidInputMessage(problems: string[]): string {
  return `invalid decision input: ${problems.join('; ')}`;
}
