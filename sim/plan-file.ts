import { readFileSync } from 'node:fs';
import { SeriesInputError } from './input';

/**
 * A plan file: one requested instance count per step, one per line (commas or spaces also work).
 * Lines starting with # and a single non-numeric header line are ignored.
 */
export function parsePlan(text: string, label: string): number[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length > 0 && !Number.isFinite(Number(lines[0].split(/[\s,]+/)[0]))) lines.shift();
  const counts: number[] = [];
  for (const line of lines) {
    for (const tok of line.split(/[\s,]+/).filter((s) => s !== '')) {
      const v = Number(tok);
      if (!Number.isInteger(v) || v < 0) {
        throw new SeriesInputError(`--plan: ${label} entry ${counts.length + 1} is "${tok}"; each entry must be a whole instance count >= 0`);
      }
      counts.push(v);
    }
  }
  if (counts.length === 0) throw new SeriesInputError(`--plan: ${label} has no counts; write one requested count per step`);
  return counts;
}

export function readPlanFile(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeriesInputError(`--plan: cannot read ${file} (${(err as Error).message}); check the path`);
  }
  return parsePlan(text, file);
}
