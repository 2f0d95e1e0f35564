/**
 * A Pulumi DIY-backend stack's checkpoint, read without starting the CLI (shared by pulumi-local
 * and pulumi-aws): its resources' outputs and the operations a killed CLI left pending.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface Checkpoint {
  checkpoint?: {
    latest?: {
      resources?: Array<{ type: string; outputs?: Record<string, unknown> }>;
      pending_operations?: unknown[];
    };
  };
}

/** `<backend>/.pulumi/stacks/<project>/<stack>.json(.gz)`, parsed; undefined when the stack has none. */
export function readCheckpoint(backendDir: string, project: string, stack: string): Checkpoint | undefined {
  const base = path.join(backendDir, '.pulumi', 'stacks', project, stack);
  let raw: Buffer;
  if (fs.existsSync(`${base}.json`)) raw = fs.readFileSync(`${base}.json`);
  else if (fs.existsSync(`${base}.json.gz`)) raw = zlib.gunzipSync(fs.readFileSync(`${base}.json.gz`));
  else return undefined;
  return JSON.parse(raw.toString('utf8')) as Checkpoint;
}

export function pendingOperations(cp: Checkpoint | undefined): number {
  return cp?.checkpoint?.latest?.pending_operations?.length ?? 0;
}
