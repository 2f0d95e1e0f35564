/**
 * The package as another project gets it: `npm pack` (after `npm run build`), the tarball installed
 * into an empty project from the npm registry alone — no `overrides` of the project's own — then an
 * external worker built with kinetic/plugins and an external client from kinetic/client run one
 * decision end to end against the dev server. Minutes: the install fetches Kinetic's dependencies
 * (the npm cache makes repeats faster).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { HEAVY_PACKAGES, packagesLoadedBy } from '../helpers/import-graph';
import { stagePackage } from '../helpers/pack-stage';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';

const run = promisify(execFile);
const children: ChildProcess[] = [];
const workDirs: string[] = [];
afterAll(() => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  // About 1.6 GB per run (tarball, staged copy, installed project).
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

/** npm as a user runs it: none of this test runner's npm_* settings. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

function timed<T>(what: string, p: Promise<T>): Promise<T> {
  const t0 = Date.now();
  return p.finally(() => console.log(`[tarball] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`));
}

describe('the packed tarball in an empty project', () => {
  it('installs from the registry alone and runs a decision with an external plugin worker and client', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kinetic-pack-'));
    workDirs.push(work);
    await timed('npm run build', run('npm', ['run', 'build'], { cwd: REPO_ROOT, env: npmEnv(), maxBuffer: 64 << 20 }));
    // A worktree sharing another checkout's node_modules (a symlink) packs from a staged copy.
    let packFrom = REPO_ROOT;
    if (lstatSync(join(REPO_ROOT, 'node_modules')).isSymbolicLink()) {
      packFrom = join(work, 'stage');
      await timed('stage the package', Promise.resolve().then(() => stagePackage(REPO_ROOT, packFrom)));
    }
    const packed = await timed('npm pack', run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: packFrom, env: npmEnv(), maxBuffer: 64 << 20 }));
    const tgz = join(work, packed.stdout.trim().split('\n').pop()!);
    expect(existsSync(tgz)).toBe(true);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    await timed('npm install <tarball>', run('npm', ['install', tgz, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: npmEnv(), maxBuffer: 64 << 20 }));
    const installed = join(app, 'node_modules', 'kinetic');
    // danfojs-node travels inside the tarball (bundleDependencies) and loads.
    expect(existsSync(join(installed, 'node_modules', 'danfojs-node', 'package.json'))).toBe(true);
    await run(process.execPath, ['-e', "require('danfojs-node')"], { cwd: installed });
    // Compiled JavaScript only: no tsx in the consumer's tree, the bin runs from dist/.
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(readdirSync(join(installed, 'dist', 'workflow-bundles')).sort()).toEqual(['encrypted-failures.js', 'plain.js']);
    // Workers get the prebuilt bundle (no webpack at start), for each failure converter.
    const bundles = await run(process.execPath, ['-e', `
      const p = require('kinetic/plugins');
      Promise.all([p.kineticWorkflowBundle(), p.kineticWorkflowBundle(require.resolve('kinetic/package.json').replace('package.json', 'dist/encryption/failure-converter.js'))])
        .then((b) => console.log(JSON.stringify(b)));`], { cwd: app });
    expect(JSON.parse(bundles.stdout)).toEqual([
      { codePath: join(installed, 'dist', 'workflow-bundles', 'plain.js') },
      { codePath: join(installed, 'dist', 'workflow-bundles', 'encrypted-failures.js') },
    ]);
    const help = await run(process.execPath, [join(app, 'node_modules', '.bin', 'kinetic'), '--help'], { cwd: app });
    expect(help.stdout).toMatch(/worker/);
    // kinetic/client stays light when installed too.
    const loaded = await packagesLoadedBy('kinetic/client', { cwd: app });
    expect(loaded.filter((p) => HEAVY_PACKAGES.some((h) => h.test(p)))).toEqual([]);

    const sb = createSandbox();
    sb.writeConfig({ 'pkg-svc': serviceConfig(sb.csv('pkg-svc', flat(55))) });
    for (const f of ['worker.js', 'client.js']) copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'package', f), join(app, f));
    const env = { ...npmEnv(), TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: `pkg-${Date.now()}`, KINETIC_CONFIG: sb.configPath, KINETIC_HOME: join(work, 'home') };
    const worker = spawn(process.execPath, ['worker.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(worker);
    let out = '';
    worker.stdout!.on('data', (d: Buffer) => (out += d));
    worker.stderr!.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<never>((_, reject) => worker.once('exit', (c) => reject(new Error(`external worker exited (${c}): ${out}`))));
    const decided = timed('decision', run(process.execPath, ['client.js', 'pkg-svc'], { cwd: app, env }));
    const { stdout } = await Promise.race([decided, exited]);
    const record = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(record).toMatchObject({ outcome: 'committed', plan: { from: 2, to: 6, direction: 'out' } });
    worker.kill('SIGTERM');
    await exited.catch((e: Error) => expect(e.message).toMatch(/external worker exited \(0\)/));
  }, 40 * 60_000);
});
