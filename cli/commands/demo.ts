import { CliCommand } from '../command';
import { intFlag, parseFlags } from '../args';
import { runDemo } from '../demo/run-demo';

export const command: CliCommand = {
  name: 'demo',
  summary: 'run the embedded demo: dev server + Web UI, a real local pool, load, and live decisions',
  usage: `Usage: kinetic demo [--json] [--duration SECONDS] [--port 7233]

Starts the embedded Temporal dev server (prints the Web UI address) unless TEMPORAL_ADDRESS is
set or one already runs; a worker; a 2-member pool of the bundled sample service behind a
round-robin balancer, provisioned through the Pulumi Automation API (real processes); and a load
generator replaying one day of NYC taxi demand (time-compressed) through the balancer. Every
~12 s a decision runs through the whole saga: scale-outs are approved automatically, scale-ins
need a person (the demo prints and performs the \`kinetic approve\` command). The process count
follows each decision. At the end the pool is destroyed and a summary is printed; with --json the
summary is one JSON object on the last line:
  { decisions: [{ id, service, direction, outcome, from, to, approvedBy }], p95LatencyMs, leftoverProcesses, dashboardUrl }
While it runs, the live dashboard (kinetic dashboard) is served on a free port; its address is
printed next to the Web UI's.
Ctrl-C or --duration (default 150) stops everything and leaves no process behind.`,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' }, duration: { type: 'string' }, port: { type: 'string' } }, 'demo');
    const summary = await runDemo({
      json: Boolean(values.json),
      durationSeconds: intFlag(values.duration as string | undefined, '--duration', 'demo', 10),
      port: intFlag(values.port as string | undefined, '--port', 'demo', 1),
    });
    if (values.json) console.log(JSON.stringify(summary));
    return summary.leftoverProcesses === 0 ? 0 : 1;
  },
};
