import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateSchemas, SCHEMAS_DIR, schemaText } from '../../contract/schemas';
import { decisionInputProblems, MAX_TARGET_OVERRIDE, TIMEOUT_BOUNDS } from '../../decision/input-validation';

const committed = (file: string) => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));

describe('the published JSON Schemas of the decision contract', () => {
  // Generating type-checks the decision sources: slow on a loaded machine.
  it('schemas/*.json are what the types generate today (run `npm run schemas` after changing a type)', () => {
    const generated = generateSchemas();
    expect(Object.keys(generated).sort()).toEqual(['approval-request.schema.json', 'decision-input.schema.json', 'decision-record.schema.json']);
    for (const [file, schema] of Object.entries(generated)) expect(readFileSync(join(SCHEMAS_DIR, file), 'utf8'), file).toBe(schemaText(schema));
  }, 120_000);

  it('the input schema and the saga’s validator agree on good and bad inputs', () => {
    const schema = z.fromJSONSchema(committed('decision-input.schema.json'));
    const good = { decisionId: 'shop-20261122101500-ab12', service: 'shop', trigger: { kind: 'api', by: 'a Go program' } };
    const samples: unknown[] = [
      good,
      { ...good, dryRun: true, targetOverride: 4, timeouts: { stepSeconds: 30, verifySeconds: 86400 } },
      { ...good, service: 'Shop_1' },
      { ...good, decisionId: 'shop-2026-ab12' },
      { ...good, trigger: { kind: 'cron' } },
      { ...good, targetOverride: 2.5 },
      { ...good, targetOverride: MAX_TARGET_OVERRIDE + 1 },
      { ...good, timeouts: { stepSeconds: 0 } },
      { ...good, timeouts: { provisionSeconds: 'fast' } },
      { ...good, dryRun: 'yes' },
      { service: 'shop', trigger: { kind: 'api' } },
    ];
    const verdicts = samples.map((s) => [schema.safeParse(s).success, decisionInputProblems(s).length === 0]);
    expect(verdicts.map(([bySchema]) => bySchema)).toEqual(verdicts.map(([, byValidator]) => byValidator));
    // Both accept the first two and refuse the rest: the samples test something.
    expect(verdicts.map(([, ok]) => ok)).toEqual([true, true, false, false, false, false, false, false, false, false, false]);
  });

  it('the input schema carries the validator’s bounds', () => {
    const props = committed('decision-input.schema.json').properties;
    expect(props.targetOverride).toMatchObject({ type: 'integer', minimum: 0, maximum: MAX_TARGET_OVERRIDE });
    const timeouts = Object.fromEntries(Object.entries(props.timeouts.properties as Record<string, { minimum: number; maximum: number }>).map(([k, v]) => [k, [v.minimum, v.maximum]]));
    expect(timeouts).toEqual(TIMEOUT_BOUNDS);
  });
});
