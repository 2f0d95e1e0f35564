import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateConfig } from '../../config/schema';
import { createMetricsSource } from '../../metrics';
import { stopLocalPoolScrapers } from '../../metrics/local-pool-source';
import { PostgresRateHistory } from '../../metrics/rate-history';
import { closePostgresPools, postgresHandle } from '../../store/postgres';
import { createPredictionStore, PredictionStore } from '../../store/prediction-store';
import { PostgresPredictionStore } from '../../store/prediction-store-postgres';
import { startPostgres, PostgresTestServer } from '../helpers/postgres';
import { createSandbox, serviceConfig } from '../helpers/sandbox';
import { predictionStoreContract, rec } from './prediction-store-contract';
import { loadConfig } from '../../config/load';

/** The multi-host stores (state.store: postgres) against a real PostgreSQL. */
let pg: PostgresTestServer;
let schemas = 0;
const ENV = 'KINETIC_TEST_STORES_PG_URL';
const state = (schema = `stores_${++schemas}`): StateConfig => ({ audit: 'file', store: 'postgres', postgres: { urlEnv: ENV, schema } });

beforeAll(async () => {
  pg = await startPostgres();
  process.env[ENV] = pg.url;
}, 120_000);
afterAll(async () => {
  stopLocalPoolScrapers();
  await closePostgresPools();
  await pg?.close();
  delete process.env[ENV];
});

describe('Postgres prediction store', () => {
  predictionStoreContract(async () => createPredictionStore(state(), '/nonexistent'));

  it('keeps madeAt as a timestamp column and lets two hosts append the same id once', async () => {
    const s = state();
    const hostA: PredictionStore = new PostgresPredictionStore(postgresHandle(s.postgres));
    const hostB = createPredictionStore(s, '/nonexistent');
    const results = await Promise.all([hostA.append(rec('d1', Date.parse('2026-11-27T10:00:00.123Z'))), hostB.append(rec('d1', Date.parse('2026-11-27T10:00:00.123Z')))]);
    expect(results.sort()).toEqual([false, true]);
    const c = new Client(pg.url);
    await c.connect();
    const rows = (await c.query(`SELECT id, made_at FROM "${s.postgres.schema}".predictions`)).rows;
    await c.end();
    expect(rows).toEqual([{ id: 'd1', made_at: new Date('2026-11-27T10:00:00.123Z') }]);
  });
});

describe('Postgres metrics history (local pool)', () => {
  it('stores samples by step timestamp, once per step whoever scrapes, and reads gaps as gaps', async () => {
    const s = state();
    const a = new PostgresRateHistory(postgresHandle(s.postgres), 'webpgstores', 60);
    const b = new PostgresRateHistory(postgresHandle(s.postgres), 'webpgstores', 60);
    const t0 = Date.parse('2026-11-27T10:00:00Z');
    await a.append(10, t0 + 5_000);
    await b.append(11, t0 + 20_000); // the same step from another host: the first write stands
    await a.append(20, t0 + 60_000);
    // t0 + 2 min: nobody scraped
    await b.append(40, t0 + 3 * 60_000 + 1);
    await a.append(99, t0 + 10 * 60_000); // after the window read below
    const series = await a.read(10, 60, new Date(t0 + 5 * 60_000));
    expect(series.start).toBe(t0);
    expect(series.values).toEqual([10, 20, NaN, 40]);
    expect(series.gaps).toEqual([{ index: 2, length: 1 }]);
    // At most `points` steps, ending at the newest sample.
    expect(await a.read(2, 60, new Date(t0 + 5 * 60_000))).toMatchObject({ start: t0 + 2 * 60_000, values: [NaN, 40] });
    expect((await new PostgresRateHistory(postgresHandle(s.postgres), 'apipgstores', 60).read(10, 60, new Date(t0 + 5 * 60_000))).values).toEqual([]);
  });

  it('the local-pool source with state.store postgres scrapes into the table, and a restarted worker reads the history back', async () => {
    // A stand-in balancer with one member whose request counter grows by 5 per scrape.
    let count = 0;
    const member: Server = createServer((req, res) => res.end(`sample_http_requests_total{code="200"} ${(count += 5)}\n`));
    await new Promise<void>((r) => member.listen(0, '127.0.0.1', r));
    const memberPort = (member.address() as AddressInfo).port;
    const lb: Server = createServer((req, res) => res.end(JSON.stringify({ members: [{ host: '127.0.0.1', port: memberPort, pid: 1 }] })));
    await new Promise<void>((r) => lb.listen(0, '127.0.0.1', r));
    try {
      const sb = createSandbox();
      const s = state();
      sb.writeConfig(
        { ratespgstores: serviceConfig('unused.csv', { metrics: { source: 'local-pool', url: `http://127.0.0.1:${(lb.address() as AddressInfo).port}`, stepSeconds: 1, historyPoints: 50 } }) },
        { state: s },
      );
      const cfg = loadConfig(sb.configPath);
      const source = () => createMetricsSource(cfg.services.ratespgstores.metrics, { service: 'ratespgstores', serviceConfig: cfg.services.ratespgstores, stateRoot: cfg.stateRoot, state: cfg.state });
      const first = await source().range('ratespgstores', 'rps', new Date(Date.now() - 60_000), new Date(), 1);
      expect(first.values.filter((v) => !Number.isNaN(v)).length).toBeGreaterThanOrEqual(2);
      expect(first.start % 1000).toBe(0); // step-aligned timestamps, not row positions
      stopLocalPoolScrapers(); // the worker stops; its history stays in Postgres
      const c = new Client(pg.url);
      await c.connect();
      const rows = (await c.query(`SELECT value FROM "${s.postgres.schema}".metrics_history WHERE service = 'ratespgstores'`)).rows;
      await c.end();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.value > 0)).toBe(true); // 5 requests per ~1 s
      const again = await source().range('ratespgstores', 'rps', new Date(Date.now() - 60_000), new Date(), 1);
      expect(again.values.filter((v) => !Number.isNaN(v)).length).toBeGreaterThanOrEqual(rows.length);
    } finally {
      stopLocalPoolScrapers();
      lb.close();
      member.close();
    }
  }, 60_000);
});
