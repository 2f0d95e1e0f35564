import { readFileSync, writeFileSync } from 'node:fs';
import { awsPriceSources, refreshCatalog, type RefreshOutcome } from '../../cloud/aws/catalog-refresh';
import {
  bundledCatalog,
  catalogAge,
  catalogEntry,
  DEFAULT_COMMITTED_DISCOUNT,
  loadCatalog,
  PriceCatalogError,
  type InstancePrice,
  type PriceCatalog,
} from '../../planning/price-catalog';
import { dirname, resolve } from 'node:path';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';
import { authorizeCliAction } from '../authorize';
import { optionalConfig } from '../auth-flags';
import { UserError, type CliCommand } from '../command';
import { table } from '../explain';

const usage = `Usage: kinetic prices show [--region R] [--type T] [--catalog FILE] [--json]
       kinetic prices refresh [--regions a,b] [--types x,y] [--catalog FILE] [--out FILE]
                              [--window-days 7] [--endpoint-pricing URL] [--endpoint-ec2 URL]

The EC2 price catalog the planner looks pool prices up in (USD per instance-hour): On-Demand
(Linux, shared tenancy), typical spot, 1-year committed. The bundled catalog is dated and was
compiled offline; \`refresh\` builds a new dated one from the AWS Pricing API (GetProducts) and
EC2 DescribeSpotPriceHistory (spot = median over the window). Values it cannot fetch are kept
from the old catalog and marked with their own date.

  --catalog FILE          read this catalog instead of the bundled one
  --region R / --type T   show only this region / instance type
  --regions / --types     what to refresh (default: everything in the catalog)
  --out FILE              write the refreshed catalog here (default: print it on stdout)
  --window-days N         spot history window (default 7)
  --endpoint-pricing URL  Pricing API endpoint override (default: the us-east-1 endpoint)
  --endpoint-ec2 URL      EC2 endpoint override for every region
  --config FILE           kinetic.yaml (default ./kinetic.yaml): when --out is the catalog its
                          pricing.catalog names, the refresh changes what decisions price from and
                          needs role operator (auth in oidc mode: your token from \`kinetic login\`
                          or --token-file); a refusal exits 1 with PermissionDenied and is audited

Refresh uses the default AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …) and needs
pricing:GetProducts and ec2:DescribeSpotPriceHistory.`;

export const command: CliCommand = {
  name: 'prices',
  summary: 'EC2 price catalog: show it, or refresh it from the AWS Pricing API and spot history',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        'token-file': { type: 'string' },
        catalog: { type: 'string' },
        region: { type: 'string' },
        type: { type: 'string' },
        json: { type: 'boolean' },
        regions: { type: 'string' },
        types: { type: 'string' },
        out: { type: 'string' },
        'window-days': { type: 'string' },
        'endpoint-pricing': { type: 'string' },
        'endpoint-ec2': { type: 'string' },
      },
      'prices',
    );
    const [sub] = positionals;
    try {
      const catalog = readCatalog(values.catalog as string | undefined);
      switch (sub) {
        case 'show':
          return show(catalog, values.region as string | undefined, values.type as string | undefined, Boolean(values.json));
        case 'refresh':
          await authorizeCatalogWrite(values.out as string | undefined, values.config as string | undefined, values['token-file'] as string | undefined);
          return await refresh(catalog, {
            regions: csv(values.regions as string | undefined, '--regions'),
            types: csv(values.types as string | undefined, '--types'),
            out: values.out as string | undefined,
            windowDays: intFlag(values['window-days'] as string | undefined, '--window-days', 'prices refresh', 1),
            pricingEndpoint: values['endpoint-pricing'] as string | undefined,
            ec2Endpoint: values['endpoint-ec2'] as string | undefined,
          });
        default:
          throw new UserError(`kinetic prices: unknown sub-command "${sub ?? ''}"; use show or refresh (see \`kinetic prices --help\`)`);
      }
    } catch (e) {
      if (e instanceof PriceCatalogError) throw new UserError(e.message);
      throw e;
    }
  },
};

function readCatalog(file: string | undefined): PriceCatalog {
  if (!file) return bundledCatalog();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`kinetic prices: cannot read --catalog ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`kinetic prices: --catalog ${file} is not JSON: ${(e as Error).message}`);
  }
  return loadCatalog(json, file);
}

function csv(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`kinetic prices: ${flag} needs a comma list, e.g. ${flag === '--regions' ? 'us-east-1,eu-west-1' : 'c6i.xlarge,m6i.xlarge'}`);
  return items;
}

function show(catalog: PriceCatalog, region: string | undefined, type: string | undefined, json: boolean): number {
  const rows: { region: string; instanceType: string; entry: InstancePrice }[] = [];
  const regions = region ? [region] : Object.keys(catalog.regions);
  for (const r of regions) {
    if (type) rows.push({ region: r, instanceType: type, entry: catalogEntry(catalog, r, type) });
    else {
      if (!catalog.regions[r]) catalogEntry(catalog, r, ''); // throws the "unknown region" error with the list
      for (const [t, entry] of Object.entries(catalog.regions[r])) rows.push({ region: r, instanceType: t, entry });
    }
  }
  const age = catalogAge(catalog, Date.now());
  if (json) {
    console.log(JSON.stringify({ asOf: catalog.asOf, ageDays: age, currency: catalog.currency, prices: rows.map((r) => ({ region: r.region, instanceType: r.instanceType, ...r.entry })) }));
    return 0;
  }
  const money = (x: number) => x.toFixed(4);
  console.log(`Price catalog of ${catalog.asOf} (${age} days old), ${catalog.currency} per instance-hour. * = committed estimated at ${DEFAULT_COMMITTED_DISCOUNT * 100}% off On-Demand.`);
  console.log(
    table(
      ['REGION', 'TYPE', 'VCPU', 'MEM GiB', 'ON-DEMAND', 'SPOT', 'COMMITTED', 'INTERRUPT', 'AS OF'],
      rows.map(({ region: r, instanceType: t, entry: e }) => [
        r,
        t,
        String(e.vcpu),
        String(e.memoryGiB),
        money(e.onDemand),
        money(e.spot),
        e.committed1yr !== undefined ? money(e.committed1yr) : `${money(e.onDemand * (1 - DEFAULT_COMMITTED_DISCOUNT))}*`,
        e.spotInterruption ?? '-',
        e.asOf ?? catalog.asOf,
      ]),
    ),
  );
  console.log(`Sources: ${catalog.sources.map((s) => `${s.id}${s.url ? ` (${s.url})` : ''}`).join('; ')}`);
  return 0;
}

/** Writing the catalog kinetic.yaml prices from is where a refresh takes effect: that needs role operator. */
async function authorizeCatalogWrite(out: string | undefined, configPath: string | undefined, tokenFile: string | undefined): Promise<void> {
  const cfg = optionalConfig(configPath);
  if (!out || !cfg?.pricing?.catalog) return;
  if (resolve(out) !== resolve(dirname(cfg.file), cfg.pricing.catalog)) return;
  await authorizeCliAction('prices.refresh', cfg, { tokenFile, command: 'prices refresh' });
}

interface RefreshFlags {
  regions?: string[];
  types?: string[];
  out?: string;
  windowDays?: number;
  pricingEndpoint?: string;
  ec2Endpoint?: string;
}

async function refresh(base: PriceCatalog, flags: RefreshFlags): Promise<number> {
  const now = new Date();
  const sources = awsPriceSources({
    pricing: { endpoint: flags.pricingEndpoint },
    ec2: { endpoint: flags.ec2Endpoint, windowDays: flags.windowDays },
    now,
  });
  const { catalog, outcomes } = await refreshCatalog({ base, regions: flags.regions, instanceTypes: flags.types, now, sources, windowDays: flags.windowDays });
  const text = `${JSON.stringify(catalog, null, 2)}\n`;
  if (flags.out) writeFileSync(flags.out, text);
  else process.stdout.write(text);
  process.stderr.write(`${summary(outcomes)}\n${flags.out ? `wrote ${flags.out} (catalog of ${catalog.asOf})\n` : ''}`);
  return 0;
}

function summary(outcomes: RefreshOutcome[]): string {
  const count = (s: RefreshOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const lines = [`refreshed ${count('refreshed')}, partly refreshed ${count('partial')}, kept ${count('kept')}, not added ${count('not-added')}`];
  for (const o of outcomes) if (o.status !== 'refreshed') lines.push(`  ${o.region} ${o.instanceType}: ${o.status}: ${o.detail}`);
  return lines.join('\n');
}
