import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../cli/command';
import { command as loadProfile } from '../../cli/commands/load-profile';
import { command as simulate } from '../../cli/commands/simulate';
import { bucketTimestamps } from '../../sim/request-log';

const dir = mkdtempSync(join(tmpdir(), 'kinetic-sim-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const numbers = file('demand.txt', '5 12 25 8 30 0\n');

async function runJson(cmd: typeof simulate, argv: string[]): Promise<Record<string, unknown>> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await cmd.run(argv)).toBe(0);
    return JSON.parse(String(log.mock.calls.at(-1)?.[0]));
  } finally {
    log.mockRestore();
  }
}

async function userError(cmd: typeof simulate, argv: string[]): Promise<string> {
  const err = await cmd.run(argv).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

afterEach(() => vi.restoreAllMocks());

describe('kinetic simulate', () => {
  it('prints the documented JSON shape', async () => {
    const json = await runJson(simulate, ['--data', numbers, '--capacity-per-instance', '10', '--boot-steps', '1', '--warmup', '2', '--policies', 'reactive,oracle,static-peak', '--json']);
    expect(json.lowerBoundInstanceSteps).toBe(8);
    const policies = json.policies as Record<string, Record<string, number>>;
    expect(Object.keys(policies)).toEqual(['reactive', 'oracle', 'static-peak']);
    for (const p of Object.values(policies)) {
      for (const key of ['instanceSteps', 'ratioToLowerBound', 'underProvisionedSteps', 'slaViolationPct', 'unservedPct', 'wastePct', 'scaleEvents']) {
        expect(typeof p[key]).toBe('number');
      }
    }
    expect(policies.oracle.instanceSteps).toBe(3 + 3 + 3 + 1); // max(need d_t, d_{t+1}): 3, 3, 3, 1
  });

  it('scores a plan file with --plan and adds cost with --price', async () => {
    const plan = file('plan.txt', '# requested per scored step\n3\n3\n2\n4\n');
    const json = await runJson(simulate, ['--data', numbers, '--capacity-per-instance', '10', '--boot-steps', '1', '--warmup', '2', '--policies', 'reactive', '--plan', plan, '--price', '0.5', '--json']);
    const p = (json.policies as Record<string, Record<string, number>>).plan;
    expect(p).toMatchObject({ instanceSteps: 12, underProvisionedSteps: 2, scaleEvents: 3, cost: 6 });
  });

  it('buckets a request log into steps with --bucket 1m', async () => {
    const log = file('requests.csv', ['ts,path', '2024-01-01 00:00:05,/a', '2024-01-01 00:00:59,/b', '2024-01-01 00:02:00,/c', '2024-01-01 00:02:30,/d', '2024-01-01 00:02:31,/e', '2024-01-01 00:03:10,/f'].join('\n'));
    const json = await runJson(simulate, ['--data', log, '--bucket', '1m', '--time-col', 'ts', '--capacity-per-instance', '1', '--boot-steps', '0', '--warmup', '1', '--policies', 'oracle', '--json']);
    // Buckets: 00:00 → 2, 00:01 → 0, 00:02 → 3, 00:03 → 1; scored from step 1: need 1 + 3 + 1.
    expect(json.steps).toBe(4);
    expect(json.lowerBoundInstanceSteps).toBe(5);
    expect(bucketTimestamps([0, 59_999, 60_000, 185_000], 60)).toEqual([2, 1, 0, 1]);
  });

  it('reads a CSV by column name through the shared reader', async () => {
    const csv = file('series.csv', 'timestamp,cpu,mem\n2024-01-01 00:00:00,10,1\n2024-01-01 00:05:00,20,1\n2024-01-01 00:10:00,30,1\n2024-01-01 00:15:00,40,1\n');
    const json = await runJson(simulate, ['--data', csv, '--value-col', 'cpu', '--capacity-per-instance', '10', '--boot-steps', '0', '--policies', 'oracle', '--json']);
    expect(json.lowerBoundInstanceSteps).toBe(3 + 4);
  });

  it('rejects bad input with the flag name and a fix', async () => {
    const base = ['--data', numbers, '--capacity-per-instance', '10', '--boot-steps', '1'];
    expect(await userError(simulate, ['--data', numbers, '--boot-steps', '1'])).toMatch(/--capacity-per-instance: required/);
    expect(await userError(simulate, [...base.slice(0, 2), '--capacity-per-instance', '0', '--boot-steps', '1'])).toMatch(/--capacity-per-instance: "0".*> 0/);
    expect(await userError(simulate, [...base.slice(0, 4), '--boot-steps', '-1'])).toMatch(/--boot-steps.*integer >= 0/);
    expect(await userError(simulate, [...base, '--policies', 'magic'])).toMatch(/--policies: unknown policy "magic"/);
    expect(await userError(simulate, [...base, '--target-utilization', '1.5'])).toMatch(/--target-utilization/);
    expect(await userError(simulate, [...base, '--bucket', 'soon'])).toMatch(/--bucket: "soon" is not a duration/);
    expect(await userError(simulate, [...base, '--plan', file('short.txt', '1 2')])).toMatch(/plan plan: has 2 counts/);
    expect(await userError(simulate, [...base, '--plan', file('bad.txt', '1 2 x 4')])).toMatch(/--plan: .*"x"/);
    expect(await userError(simulate, [...base, '--warmup', '6'])).toMatch(/--warmup/);
    expect(await userError(simulate, [...base, '--frobnicate'])).toMatch(/frobnicate/);
    expect(await userError(simulate, ['--data', join(dir, 'missing.txt'), '--capacity-per-instance', '1', '--boot-steps', '0'])).toMatch(/missing\.txt/);
    expect(await userError(simulate, ['--data', file('neg.txt', '1 2 -3 4'), '--capacity-per-instance', '1', '--boot-steps', '0'])).toMatch(/negative/);
    expect(await userError(simulate, [...base, '--forecaster', 'crystal-ball'])).toMatch(/--forecaster crystal-ball/);
  });
});

describe('kinetic load-profile', () => {
  it('writes a seeded profile with a campaign event, reproducibly', async () => {
    const out = join(dir, 'profile.csv');
    const argv = ['--steps', '576', '--step-seconds', '300', '--base', '50', '--event', '300:24:3:6:6', '--noise', '0.05', '--seed', '3', '--out', out, '--json'];
    const summary = await runJson(loadProfile, argv);
    expect(summary.steps).toBe(576);
    const first = readFileSync(out, 'utf8');
    const lines = first.trim().split('\n');
    expect(lines[0]).toBe('timestamp,value');
    expect(lines[1]).toMatch(/^2024-01-01 00:00:00,/);
    const values = lines.slice(1).map((l) => Number(l.split(',')[1]));
    expect(values[310]).toBeGreaterThan(2 * values[310 - 288]);
    await runJson(loadProfile, argv);
    expect(readFileSync(out, 'utf8')).toBe(first);
  });

  it('bootstraps from history and rejects bad flags', async () => {
    const history = file('history.txt', Array.from({ length: 48 }, (_, i) => String(i % 24)).join('\n'));
    const out = join(dir, 'boot.txt');
    await runJson(loadProfile, ['--from', history, '--block', '24', '--steps', '72', '--out', out, '--json']);
    const values = readFileSync(out, 'utf8').trim().split('\n').map(Number);
    expect(values).toEqual(Array.from({ length: 72 }, (_, i) => i % 24));
    expect(await userError(loadProfile, ['--steps', '10'])).toMatch(/--out: required/);
    expect(await userError(loadProfile, ['--steps', '10', '--out', out, '--event', '5:0:2'])).toMatch(/--event/);
    expect(await userError(loadProfile, ['--steps', '10', '--out', out, '--drive', 'http://example.com/'])).toMatch(/not a loopback address/);
  });
});
