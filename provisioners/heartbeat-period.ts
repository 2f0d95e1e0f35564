/**
 * The heartbeat timer's period: the configured one, but at most a third of the activity's
 * heartbeat timeout (a beat exactly at the timeout is missed by any stall); 0 stays off.
 */
export function heartbeatEvery(intervalMs: number, heartbeatTimeoutMs: number | undefined): number {
  if (intervalMs <= 0) return 0;
  return heartbeatTimeoutMs && heartbeatTimeoutMs > 0 ? Math.max(100, Math.min(intervalMs, Math.floor(heartbeatTimeoutMs / 3))) : intervalMs;
}
