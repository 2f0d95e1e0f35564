import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { PORT_BLOCKS, poolPort, type PortBlock } from './ports';

const blocks: PortBlock[] = Object.values(PORT_BLOCKS);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Integration tests and the processes they spawn (fixtures): what binds ports during `npm test`. */
const sources = filesUnder(join(REPO_ROOT, 'test'))
  .filter((f) => f.endsWith('.int.test.ts') || f.includes(`${join('test', 'pulumi', 'fixtures')}`) || f.endsWith('worker-process.ts'))
  .map((f) => ({ file: relative(REPO_ROOT, f), text: readFileSync(f, 'utf8') }));

describe('fixed test ports', () => {
  it('each block belongs to one existing file, lies in 1025–32767 outside x000–x098, and overlaps no other', () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(new Set(blocks.map((b) => b.file)).size).toBe(blocks.length);
    for (const b of blocks) {
      expect(existsSync(join(REPO_ROOT, b.file)), b.file).toBe(true);
      expect(b.first).toBeGreaterThanOrEqual(1025);
      expect(b.last).toBeLessThan(32_768);
      expect(b.first).toBeLessThanOrEqual(b.last);
      // pulumi-local's hashed default ports: 20001 + 1000 k (balancer 20000 + 1000 k) and a few members after.
      expect(b.first % 1000, `${b.file} starts among the hashed default ports`).toBeGreaterThanOrEqual(99);
    }
    const sorted = [...blocks].sort((a, b) => a.first - b.first);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i].first, `${sorted[i - 1].file} and ${sorted[i].file} overlap`).toBeGreaterThan(sorted[i - 1].last);
    }
  });

  it('pool ports stay inside their block', () => {
    expect(poolPort(PORT_BLOCKS.provisioner, 1)).toBe(23_401);
    expect(() => poolPort(PORT_BLOCKS.localPool, 1)).toThrow(/outside test\/pulumi\/local-pool\.int\.test\.ts's ports 23100–23199/);
  });

  it('no integration test hard-codes a pool port; every file that sets basePort owns a block', () => {
    const literal = /basePort:\s*[\d_]{4,}|BASE_PORT\s*=\s*[\d_]{4,}|127\.0\.0\.1:[\d_]{4,}|localhost:[\d_]{4,}|=>\s*[\d_]{5,}\s*\+\s*i\b/;
    expect(sources.filter((s) => literal.test(s.text)).map((s) => `${s.file}: ${literal.exec(s.text)![0]}`)).toEqual([]);
    const owners = new Set(blocks.map((b) => b.file));
    const setsPorts = sources.filter((s) => /basePort/.test(s.text) && !s.file.includes(join('test', 'pulumi', 'fixtures')));
    expect(setsPorts.length).toBeGreaterThanOrEqual(blocks.length);
    expect(setsPorts.map((s) => s.file).filter((f) => !owners.has(f))).toEqual([]);
  });
});
