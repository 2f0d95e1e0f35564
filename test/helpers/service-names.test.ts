import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';

/**
 * Integration test files run in parallel against one dev server, where a decision's workflow id is
 * `scale-<service>`: two files deciding for the same service name would wait on, or look up, each
 * other's decisions. Every service a file starts decisions (or loops) for is that file's own.
 */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.int.test.ts') ? [p] : [];
  });
}

/** Where a test names the service of a decision or a control loop. */
const PATTERNS = [
  /startDecision\('([a-z][a-z0-9-]*)'/g,
  /\bdecide\('([a-z][a-z0-9-]*)'/g,
  /'--service', '([a-z][a-z0-9-]*)'/g,
  /getHandle\('scale-([a-z][a-z0-9-]*)'/g,
  /loopWorkflowId\('([a-z][a-z0-9-]*)'\)/g,
  /'loop', '[a-z]+', '([a-z][a-z0-9-]*)'/g,
  /\bSERVICE = '([a-z][a-z0-9-]*)'/g,
  /^\s+'([a-z][a-z0-9-]*)': (?:tiered)?[sS]erviceConfig\(/gm,
  /^\s+([a-z][a-z0-9]*): (?:tiered|serviceConfig|tieredServiceConfig)\(/gm,
];

describe('service names of integration tests', () => {
  it('no two integration test files decide for the same service', () => {
    const users = new Map<string, Set<string>>();
    for (const file of filesUnder(join(REPO_ROOT, 'test'))) {
      const text = readFileSync(file, 'utf8');
      for (const re of PATTERNS) {
        for (const m of text.matchAll(re)) {
          const set = users.get(m[1]) ?? new Set<string>();
          set.add(relative(REPO_ROOT, file));
          users.set(m[1], set);
        }
      }
    }
    expect(users.size).toBeGreaterThan(25); // the patterns still find the tests' services
    const shared = [...users].filter(([, files]) => files.size > 1).map(([name, files]) => `${name}: ${[...files].join(', ')}`);
    expect(shared).toEqual([]);
  });
});
