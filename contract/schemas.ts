/**
 * The decision contract for clients in any language, as JSON Schema files under schemas/: what
 * `scalingDecision` takes, what the `approve` / `reject` / `resolve` Updates take, and the record a
 * decision returns (and `kinetic explain --json` prints). `npm run schemas` writes them; a test
 * checks the committed files equal what the types generate.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../config/tools';
import { type JsonSchema, SchemaBuilder } from './type-schema';

export const SCHEMAS_DIR = join(REPO_ROOT, 'schemas');

const CONTRACT = [
  {
    file: 'decision-input.schema.json',
    source: 'decision/input.ts',
    type: 'DecisionInput',
    title: 'Kinetic scaling decision input',
    description: 'The one argument of the `scalingDecision` workflow (workflow id `scale-<service>`, task queue `kinetic-decisions` unless kinetic.yaml says otherwise).',
  },
  {
    file: 'approval-request.schema.json',
    source: 'decision/input.ts',
    type: 'ApprovalRequest',
    title: 'Kinetic approval request',
    description: 'The one argument of the `approve`, `reject` and `resolve` Updates of a scaling decision.',
  },
  {
    file: 'decision-record.schema.json',
    source: 'decision/record.ts',
    type: 'DecisionRecord',
    title: 'Kinetic decision record',
    description: 'The result of `scalingDecision`, the `decisionRecord` Query and the Updates; one per decision in the audit log. Fields are added, never renamed or removed without a version note.',
  },
] as const;

/** File name → schema, generated from the types now. */
export function generateSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const builder = new SchemaBuilder([...new Set(CONTRACT.map((c) => join(REPO_ROOT, c.source)))]);
  for (const c of CONTRACT) {
    out[c.file] = builder.root(join(REPO_ROOT, c.source), c.type, { title: c.title, description: c.description });
  }
  return out;
}

/** The text a schema file holds (stable, newline-terminated). */
export const schemaText = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;
