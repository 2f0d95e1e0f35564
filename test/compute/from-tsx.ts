/** Run by tasks.test.ts under `tsx` as a separate process: the pool as the CLI and benches use it. */
import { closeComputePool, computePool } from '../../compute';
import { series } from './series';

async function main() {
  const pool = computePool();
  const out = await pool.run('fitModel', { model: 'ets', values: series(400, 7), horizon: 12, options: { seasons: [24] } });
  process.stdout.write(JSON.stringify({ size: pool.size, point: out.forecast.point }));
  await closeComputePool();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
