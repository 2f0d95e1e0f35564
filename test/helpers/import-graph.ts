import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages heavy enough that a light entry point (kinetic/client) must never load them. */
export const HEAVY_PACKAGES = [/^@pulumi\//, /^@tensorflow\//, /^danfojs-node$/, /^@aws-sdk\//, /^@temporalio\/worker$/, /^@temporalio\/core-bridge$/];

/**
 * The npm packages a fresh Node process has loaded after `require(entry)`: a real import graph,
 * not a reading of the sources. `tsx`: run TypeScript sources through tsx (a checkout).
 */
export async function packagesLoadedBy(entry: string, opts: { cwd: string; tsx?: boolean }): Promise<string[]> {
  const probe = `
    require(process.argv[1]);
    const names = new Set();
    for (const f of Object.keys(require.cache)) {
      const m = [...f.matchAll(/node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/g)].pop();
      if (m) names.add(m[1].replace(/\\\\/g, '/'));
    }
    console.log(JSON.stringify([...names].sort()));`;
  const args = [...(opts.tsx ? ['--import', 'tsx'] : []), '-e', probe, entry];
  const { stdout } = await run(process.execPath, args, { cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as string[];
}

/**
 * The npm packages a script has loaded when its process exits: `node --require <probe> <script>
 * ...args`, the probe listing `require.cache` on exit. For commands (`bin/kinetic.js --help`) and
 * for scripts that load more as they run. Returns the exit code and output too.
 */
export async function packagesLoadedWhileRunning(
  script: string,
  args: string[],
  opts: { cwd: string; tsx?: boolean; env?: NodeJS.ProcessEnv },
): Promise<{ packages: string[]; stdout: string; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-import-probe-'));
  try {
    const probe = join(dir, 'probe.cjs');
    const out = join(dir, 'loaded.json');
    writeFileSync(
      probe,
      `process.on('exit', () => {
        const names = new Set();
        for (const f of Object.keys(require.cache)) {
          const m = [...f.matchAll(/node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/g)].pop();
          if (m) names.add(m[1].replace(/\\\\/g, '/'));
        }
        require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify([...names].sort()));
      });`,
    );
    const node = [...(opts.tsx ? ['--import', 'tsx'] : []), '--require', probe, script, ...args];
    const result = await run(process.execPath, node, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => ({ stdout: r.stdout, code: 0 }),
      (e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? '', code: typeof e.code === 'number' ? e.code : 1 }),
    );
    return { packages: JSON.parse(readFileSync(out, 'utf8')) as string[], ...result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
