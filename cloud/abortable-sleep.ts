/** Waiting that an AbortSignal (activity cancellation) can cut short; shared by the pollers. */

export function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  const err = reason instanceof Error ? reason : new Error(`cancelled${reason ? `: ${String(reason)}` : ''}`);
  if (!(reason instanceof Error)) err.name = 'AbortError';
  return err;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resources an engine update summary says changed (everything but "same"). */
export function changesOf(summary: Record<string, number> | undefined): number {
  if (!summary) return 0;
  return Object.entries(summary)
    .filter(([k]) => k !== 'same')
    .reduce((a, [, v]) => a + (v ?? 0), 0);
}
