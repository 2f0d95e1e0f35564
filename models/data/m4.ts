import { readFileSync } from 'node:fs';
import { DataInputError } from './errors';

/**
 * M4 wide CSV: one row per series, V1 = id, V2… = observations, shorter series padded with empty
 * cells. A plain line parser: the cells are quoted ids and bare numbers, nothing danfojs needs to
 * handle, and a 961-column frame is slow to build.
 */
export interface M4Series {
  id: string;
  values: number[];
}

export function readM4(file: string): M4Series[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DataInputError(`${file}: cannot read the M4 file; check the path (e.g. ../shared/data/m4/Hourly-train.csv)`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2 || !/^"?V1"?,/.test(lines[0])) {
    throw new DataInputError(`${file}: not an M4 wide CSV (expected a header starting with "V1","V2",…)`);
  }
  return lines.slice(1).map((line, row) => {
    const cells = line.split(',');
    const id = cells[0].replace(/"/g, '');
    const values: number[] = [];
    for (let i = 1; i < cells.length; i++) {
      const cell = cells[i].replace(/"/g, '').trim();
      if (cell === '' || cell === 'NA') break;
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new DataInputError(`${file}: row ${row + 2} (${id}), column V${i + 1}: '${cell}' is not a number`);
      values.push(v);
    }
    return { id, values };
  });
}
