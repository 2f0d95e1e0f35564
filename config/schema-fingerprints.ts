import { z } from 'zod';
import { durationSchema } from './duration';

/**
 * A service's `fingerprints:` block (issue 17): behavioural fingerprints as capacity dimensions
 * (cpu cores, memoryMiB) of its single-pool plan, and the adaptive loop that refits them.
 * README "Behavioural fingerprints" documents every field.
 */
export const fingerprintsSchema = z
  .object({
    /** false keeps the block but plans on load alone. */
    enabled: z.boolean().default(true),
    /** Where the collector writes minute summaries (`<dir>/<service>/<member>.jsonl`); default `<stateDir>/telemetry`. */
    summariesDir: z.string().min(1).optional(),
    /** Summaries older than this are stale: the decision plans on load alone and says so. */
    maxAge: durationSchema.default(180),
    /** How many summary periods ahead the cluster models forecast. */
    horizonSteps: z.number().int().min(1).max(60).default(5),
    /** What one instance offers at 100 % utilisation: CPU cores and resident memory (MiB). */
    capacity: z.object({ cpu: z.number().positive(), memoryMiB: z.number().positive() }).strict(),
    /** The adaptive loop (scheduled `fingerprintLoop`): when to refit, and what to hold back for champion/challenger. */
    loop: z
      .object({
        /** CPU MAE (cores) above which a period counts as a miss for a cluster. */
        threshold: z.number().min(0).default(0.1),
        /** Periods in a row above the threshold that trigger a refit. */
        windows: z.number().int().min(1).default(3),
        /** Refit anyway this many periods after the champion's data ends (0 = only on drift). */
        everyWindows: z.number().int().min(0).default(60),
        /** Newest periods per member never trained on: the champion/challenger comparison scores them. */
        holdBack: z.number().int().min(1).default(5),
        /** Summaries per member the loop reads (the newest). */
        maxPeriods: z.number().int().min(10).default(1440),
      })
      .strict()
      .default({ threshold: 0.1, windows: 3, everyWindows: 60, holdBack: 5, maxPeriods: 1440 }),
  })
  .strict();

export type FingerprintsConfig = z.infer<typeof fingerprintsSchema>;
