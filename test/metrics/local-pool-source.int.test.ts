import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load';
import { createMetricsSource } from '../../metrics';
import { stopLocalPoolScrapers } from '../../metrics/local-pool-source';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';

const BASE_PORT = poolPort(PORT_BLOCKS.localPoolSource);

/** The local-pool metrics source against a real pool (Pulumi, real processes, real /metrics). */
const sb = createSandbox('kinetic-poolmetrics-');
const pool = createPulumiLocalProvisioner({ rootDir: join(sb.stateRoot, 'pulumi'), services: { ratessource: { basePort: BASE_PORT, env: { SAMPLE_CPU_MS: '0' } } } });

afterAll(async () => {
  stopLocalPoolScrapers();
  await pool.destroy('ratessource');
  expect(processesOfPoolDir(join(pool.paths.poolsRoot, 'ratessource'))).toEqual([]);
}, 120_000);

const hit = (url: string) =>
  new Promise<void>((resolve, reject) => get(url, (res) => res.resume().on('end', () => resolve())).on('error', reject));

describe('local-pool metrics source', () => {
  it('turns the members’ request counters into a request-rate history', async () => {
    sb.writeConfig({
      ratessource: serviceConfig(join(sb.dir, 'unused.csv'), {
        metrics: { source: 'local-pool', stepSeconds: 1, historyPoints: 50 },
        provisioner: { type: 'pulumi-local', basePort: BASE_PORT, env: { SAMPLE_CPU_MS: '0' } },
      }),
    });
    const cfg = loadConfig(sb.configPath);
    await pool.apply({ decisionId: 'd1', service: 'ratessource', tiers: { default: 2 }, total: 2 });
    const source = createMetricsSource(cfg.services.ratessource.metrics, { service: 'ratessource', serviceConfig: cfg.services.ratessource, stateRoot: cfg.stateRoot });
    const end = () => new Date();
    const window = () => new Date(Date.now() - 60_000);
    // First call starts the scraper and waits for the first two points (an idle pool: ~0 req/s).
    const idle = await source.range('ratessource', 'rps', window(), end(), 1);
    expect(idle.values.length).toBeGreaterThanOrEqual(2);
    // ~40 req/s through the balancer for 3 s.
    const stop = Date.now() + 3000;
    while (Date.now() < stop) {
      await Promise.all(Array.from({ length: 4 }, () => hit(`http://127.0.0.1:${BASE_PORT - 1}/`)));
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const busy = await source.range('ratessource', 'rps', window(), end(), 1);
    const peak = Math.max(...busy.values);
    expect(peak).toBeGreaterThan(15);
    expect(peak).toBeLessThan(80);
    expect(busy.values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('says what to configure when no balancer address is known', () => {
    const cfg = loadConfig(sb.writeConfig({ other: serviceConfig('x.csv', { metrics: { source: 'local-pool' } }) }));
    expect(() => createMetricsSource(cfg.services.other.metrics, { service: 'other', serviceConfig: cfg.services.other, stateRoot: cfg.stateRoot })).toThrow(
      /services\.other\.metrics\.url: required for source local-pool/,
    );
  });
});
