import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { getService, parseConfig } from '../../config/load';
import { serviceConfig } from '../helpers/sandbox';

/** The tiered-planning blocks of kinetic.yaml: defaults, and errors that name the field. */
const POOLS = [
  { computeType: 'cpu', region: 'us-east-1', pricing: 'on-demand', max: 10, hourlyPrice: 0.17 },
  { computeType: 'cpu', region: 'us-east-1', pricing: 'spot', max: 10 },
];
const tiered = (over: Record<string, unknown> = {}) =>
  serviceConfig('a.csv', {
    computeTypes: { cpu: { capacity: { requestsPerSecond: 100, cpu: 4 }, instanceTypes: ['c6i.xlarge', 'c6a.xlarge'] } },
    pools: POOLS,
    ...over,
  });
const parse = (services: Record<string, unknown>, top: Record<string, unknown> = {}) =>
  parseConfig(stringify({ version: 1, ...top, services }), 'k.yaml');
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('tiered planning config', () => {
  it('fills the capacity, allocation and policy defaults', () => {
    const svc = getService(parse({ web: tiered({ capacity: {}, allocation: {}, policy: {} }) }), 'web');
    expect(svc.capacity).toMatchObject({ dimension: 'requestsPerSecond', bufferQuantile: 'p90', buffer: { floor: 0.1, cap: 0.2 }, hysteresis: { scaleInBand: 0.05, minScaleIn: 1 } });
    expect(svc.allocation).toMatchObject({ maxSpotShare: 0.5, minSpotInstanceTypes: 2 });
    expect(svc.policy).toMatchObject({ tierLimits: {}, freezeWindows: [], requireApproval: {} });
    expect(svc.pools![0].min).toBe(0);
    expect(svc.budget.onExceed).toBe('reject');
  });

  it('names the field when a pool, region, template or budget name does not resolve', () => {
    const msg = errorOf(() =>
      parse({
        web: tiered({
          pools: [...POOLS, { computeType: 'gpu', region: 'eu-west-1', pricing: 'spot', max: 2 }, POOLS[0]],
          allocation: { regions: { 'ap-south-1': { share: 1 } } },
          templates: [{ version: 1, computeType: 'mem', instanceTypes: ['r6i.xlarge'] }],
          activeTemplate: 3,
        }),
      }),
    );
    expect(msg).toMatch(/services\.web\.pools\.2\.computeType: "gpu" is not in computeTypes \(cpu\)/);
    expect(msg).toMatch(/services\.web\.pools\.3: pool cpu\/us-east-1\/on-demand is declared twice/);
    expect(msg).toMatch(/services\.web\.allocation\.regions\.ap-south-1: no pool is in region "ap-south-1"/);
    expect(msg).toMatch(/services\.web\.templates\.0\.computeType: "mem" is not in computeTypes/);
    expect(msg).toMatch(/services\.web\.activeTemplate: no template has version 3 \(declared: 1\)/);

    const budgetMsg = errorOf(() =>
      parse(
        { web: tiered({ budget: { monthly: 10, project: 'nope' } }) },
        { budgets: { company: { name: 'acme', monthly: 100 }, projects: { shop: { monthly: 5, department: 'ghost' } } } },
      ),
    );
    expect(budgetMsg).toMatch(/budgets\.projects\.shop\.department: "ghost" is not in budgets\.departments/);
    expect(budgetMsg).toMatch(/services\.web\.budget\.project: "nope" is not in budgets\.projects \(shop\)/);
  });

  it('requires a price without pools, and bounded buffer, spot share and request mix', () => {
    const noPrice = serviceConfig('a.csv');
    delete (noPrice as Record<string, unknown>).pricing;
    expect(errorOf(() => parse({ web: noPrice }))).toMatch(/services\.web\.pricing\.hourlyPerInstance: required for a service without pools/);
    const msg = errorOf(() =>
      parse({
        web: tiered({
          capacity: { buffer: { floor: 0.3, cap: 0.2 }, requestMix: { shares: { light: 0.5, heavy: 0.3 }, perRequest: { light: { cpu: 0.01 } } } },
          allocation: { maxSpotShare: 1.5 },
          policy: { stagedScaleIn: { stepPercent: 0, observation: 'soon' }, freezeWindows: [{ id: 'w', cron: '0 18 * * FRI' }] },
        }),
      }),
    );
    expect(msg).toMatch(/services\.web\.capacity\.buffer\.cap: buffer\.cap must be >= buffer\.floor/);
    expect(msg).toMatch(/services\.web\.capacity\.requestMix\.shares: shares must sum to 1 \(they sum to 0\.8000\)/);
    expect(msg).toMatch(/services\.web\.capacity\.requestMix\.perRequest\.heavy: class "heavy" has a share but no perRequest usage/);
    expect(msg).toMatch(/services\.web\.allocation\.maxSpotShare: Too big/);
    expect(msg).toMatch(/services\.web\.policy\.stagedScaleIn\.stepPercent: Too small/);
    expect(msg).toMatch(/services\.web\.policy\.stagedScaleIn\.observation: "soon" is not a duration/);
    expect(msg).toMatch(/services\.web\.policy\.freezeWindows\.0\.duration/);
    const dims = errorOf(() => parse({ web: tiered({ dimensionMetrics: { memoryMiB: { source: 'csv', path: 'm.csv' } } }) }));
    expect(dims).toMatch(/services\.web\.dimensionMetrics\.memoryMiB: compute type "cpu" has no capacity\.memoryMiB/);
    expect(errorOf(() => parse({ web: tiered({ provisioner: { type: 'pulumi-local' } }) }))).toMatch(
      /services\.web\.provisioner\.type: pulumi-local runs one local pool and cannot hold tiered pools/,
    );
    const aws = { type: 'pulumi-aws', regions: { 'eu-west-1': { subnetIds: ['subnet-1'], imageId: 'ami-1' } }, launch: { gpu: {} } };
    const awsMsg = errorOf(() => parse({ web: tiered({ provisioner: aws }) }));
    expect(awsMsg).toMatch(/services\.web\.provisioner\.regions\.us-east-1: pools use region "us-east-1": give its subnetIds and imageId/);
    expect(awsMsg).toMatch(/services\.web\.provisioner\.launch\.gpu: "gpu" is not in computeTypes/);
    expect(errorOf(() => parse({ web: serviceConfig('a.csv', { provisioner: aws }) }))).toMatch(/services\.web\.provisioner: pulumi-aws plans tiered pools/);
    expect(errorOf(() => parse({ web: tiered({ regionMetrics: { 'ap-south-1': { source: 'csv', path: 'r.csv' } } }) }))).toMatch(
      /services\.web\.regionMetrics\.ap-south-1: no pool is in region "ap-south-1"/,
    );
    // Cross-field checks run once the fields themselves are valid.
    const cron = errorOf(() => parse({ web: tiered({ policy: { freezeWindows: [{ id: 'x', cron: '0 25 * * *', duration: '1h' }] } }) }));
    expect(cron).toMatch(/services\.web\.policy\.freezeWindows\.0\.cron: .*hour/);
  });
});
