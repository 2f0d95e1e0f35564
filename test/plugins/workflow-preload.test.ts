/**
 * The modules Kinetic preloads into the reusable workflow context are evaluated once and shared by
 * every decision a worker runs. That is only safe for plain functions and constants: this guard
 * walks each preloaded module and everything it imports from the repository, and fails on any
 * workflow API import or module-level mutable binding (state that would leak between decisions).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { WORKFLOW_PRELOAD_MODULES } from '../../plugins/workflow-bundle';

function sourceOf(path: string): string {
  const file = existsSync(`${path}.ts`) ? `${path}.ts` : join(path, 'index.ts');
  return readFileSync(file, 'utf8');
}

/** Repository files reachable from `start` through value imports (type-only imports do not run). */
function reachable(start: string): Map<string, string> {
  const seen = new Map<string, string>();
  const todo = [start];
  while (todo.length) {
    const path = todo.pop()!;
    if (seen.has(path)) continue;
    const text = sourceOf(path);
    seen.set(path, text);
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) todo.push(join(dirname(path), m[1]));
  }
  return seen;
}

/** What would leak between decisions if this module were shared. */
function stateProblems(name: string, text: string): string[] {
  const out: string[] = [];
  if (/from '@temporalio\/workflow'/.test(text)) out.push(`${name}: imports @temporalio/workflow`);
  for (const line of text.split('\n')) if (/^(export )?(let|var)\s/.test(line)) out.push(`${name}: module-level "${line.trim()}"`);
  return out;
}

describe('workflow preload modules', () => {
  it('lists existing modules of the workflow graph', () => {
    expect(WORKFLOW_PRELOAD_MODULES.length).toBeGreaterThan(0);
    for (const m of WORKFLOW_PRELOAD_MODULES) expect(existsSync(`${m}.ts`), m).toBe(true);
  });

  it('keeps no per-workflow state: no workflow API and no module-level let/var in anything they load', () => {
    const problems: string[] = [];
    for (const m of WORKFLOW_PRELOAD_MODULES) {
      for (const [path, text] of reachable(m)) {
        problems.push(...stateProblems(relative(REPO_ROOT, path), text));
      }
    }
    expect(problems).toEqual([]);
  });

  it('the guard catches a module with state (it can fail)', () => {
    const text = "import { sleep } from '@temporalio/workflow';\nlet counter = 0;\nexport var seen = [];\nconst fixed = 1;\n";
    expect(stateProblems('m.ts', text)).toEqual(['m.ts: imports @temporalio/workflow', 'm.ts: module-level "let counter = 0;"', 'm.ts: module-level "export var seen = [];"']);
  });
});
