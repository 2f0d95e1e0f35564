import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/tools';
import { command as decide } from '../../cli/commands/decide';
import { DECIDE_EXIT_CODES } from '../../cli/decide-exit';

/** Outcome → exit code as a text lists them: rows starting with the code, outcomes in backticks or bare. */
function documented(text: string, rowStart: RegExp): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = rowStart.exec(line);
    if (!m) continue;
    for (const outcome of Object.keys(DECIDE_EXIT_CODES)) if (new RegExp(`(^|[\\s,\`|])${outcome}([\\s,\`|]|$)`).test(line.slice(m[0].length))) out.set(outcome, Number(m[1]));
  }
  return out;
}

describe('kinetic decide exit codes', () => {
  it('--help and the README document the code of every outcome, as the command returns it', () => {
    const expected = new Map(Object.entries(DECIDE_EXIT_CODES));
    expect(documented(decide.usage, /^\s+([0-4])\s+/)).toEqual(expected);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('**`kinetic decide` exit codes**')).split('\n\n').slice(0, 2).join('\n');
    expect(documented(section, /^\| ([0-4]) \|/)).toEqual(expected);
  });
});
