import { afterAll, describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../fingerprints/ari';
import { driveLoad } from '../../sim/load-driver';
import { startMember, stopMember, type Member } from '../../telemetry/sample-members';
import { kinetic } from '../helpers/cli';

/** `kinetic fingerprints` against real processes: two cpu-bound and two io-bound members under load. */
const members: Member[] = [];

afterAll(async () => {
  await Promise.all(members.map(stopMember));
});

describe('kinetic fingerprints', () => {
  it('clusters --json separates cpu-bound from io-bound members it samples by pid', async () => {
    for (const [i, b] of ['cpu', 'io', 'cpu', 'io'].entries()) members.push(await startMember(`cli${i}-${b}`, 'fp-cli', b, { SAMPLE_CPU_MS: '20' }));
    const series = Array.from({ length: 14 }, () => 10);
    const load = Promise.all(members.map((m) => driveLoad({ url: `http://127.0.0.1:${m.port}/`, series, stepSeconds: 1, compression: 1, maxRps: 20, maxDurationSeconds: 14 })));
    const pids = members.flatMap((m) => ['--pid', `${m.id}=${m.pid}@${m.port}`]);
    const res = await kinetic(['fingerprints', 'clusters', ...pids, '--seconds', '10', '--windows', '1,2,5', '--json']);
    await load;
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { k: number; clusters: Array<{ id: string; members: string[] }>; perService: Record<string, Record<string, number>> };
    const clusterOf = new Map(out.clusters.flatMap((c) => c.members.map((id) => [id, c.id])));
    expect(adjustedRandIndex(members.map((m) => clusterOf.get(m.id)!), members.map((m) => m.behaviour))).toBe(1);
    expect(out.k).toBe(2);
    expect(Object.values(out.perService.default).reduce((a, b) => a + b, 0)).toBe(4);
  }, 60_000);

  it('refuses a malformed --pid and too few members with the fix', async () => {
    const bad = await kinetic(['fingerprints', 'clusters', '--pid', 'web=abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pid: "web=abc" is not ID=PID or ID=PID@PORT/);
    const few = await kinetic(['fingerprints', 'show', '--pid', `a=${process.pid}`]);
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/need at least 3 members/);
  });
});
