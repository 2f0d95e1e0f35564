import { execFile } from 'node:child_process';
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
