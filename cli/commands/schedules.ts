import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../config/load';
import { applySchedules, describeSchedules, SCHEDULE_KINDS, ScheduleKind, scheduleId } from '../../schedules';
import { DEFAULT_SCHEDULE_PREFIX } from '../../schedules/definitions';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, parseFlags } from '../args';
import { table } from '../explain';
import { cliClient } from '../kinetic-client';
import { authorizeCliAction } from '../authorize';

export const command: CliCommand = {
  name: 'schedules',
  summary: 'create/update, list, pause, unpause or trigger the retrain / reweight / budget-report schedules',
  usage: `Usage: kinetic schedules apply|list|pause|unpause|trigger [KIND] [--config F] [--prefix P] [--json]

  apply            create or update every schedule from kinetic.yaml \`schedules:\` (idempotent;
                   workers also do this at start-up); an operator's pause is kept
  list             each schedule: spec, paused, next runs, recent runs
  pause KIND       pause one schedule (KIND: ${SCHEDULE_KINDS.join(', ')})
  unpause KIND     resume it
  trigger KIND     start its workflow now (skipped if a run is still going)

Schedule ids are <prefix><kind>, prefix "${DEFAULT_SCHEDULE_PREFIX}" by default. apply, pause, unpause
and trigger change schedules: with auth in oidc mode they need role operator, checked here against
your token (\`kinetic login\`, or --token-file); a refusal exits 1 with PermissionDenied and is
written to the audit log.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, prefix: { type: 'string' }, json: { type: 'boolean' }, 'token-file': { type: 'string' } }, 'schedules');
    const [sub, kindArg] = positionals;
    const prefix = (values.prefix as string | undefined) ?? DEFAULT_SCHEDULE_PREFIX;
    const kinetic = await cliClient(values.config as string | undefined);
    const client = kinetic.client;
    const kind = (): ScheduleKind => {
      if (!SCHEDULE_KINDS.includes(kindArg as ScheduleKind)) throw new UserError(`kinetic schedules ${sub}: KIND must be one of ${SCHEDULE_KINDS.join(', ')}`);
      return kindArg as ScheduleKind;
    };
    if (sub === 'apply' || sub === 'pause' || sub === 'unpause' || sub === 'trigger') {
      await authorizeCliAction('schedules.change', loadConfig(values.config as string | undefined), { tokenFile: values['token-file'] as string | undefined, command: `schedules ${sub}` });
    }
    switch (sub) {
      case 'apply': {
        const applied = await applySchedules(client, { config: loadConfig(values.config as string | undefined), idPrefix: prefix });
        if (values.json) console.log(JSON.stringify(applied));
        else for (const a of applied) console.log(`${a.action} ${a.id}`);
        return 0;
      }
      case 'list': {
        const list = await describeSchedules(client, prefix);
        if (values.json) {
          console.log(JSON.stringify(list));
          return 0;
        }
        console.log(
          table(
            ['SCHEDULE', 'EXISTS', 'PAUSED', 'SPEC', 'NEXT', 'LAST RUN'],
            list.map((s) => [
              s.id,
              s.exists ? 'yes' : 'no (run `kinetic schedules apply`)',
              s.exists ? String(s.paused) : '-',
              s.exists ? specText(s.spec) : '-',
              s.nextActionTimes?.[0]?.toISOString() ?? '-',
              s.recentActions?.[s.recentActions.length - 1]?.at.toISOString() ?? '-',
            ]),
          ),
        );
        return 0;
      }
      case 'pause':
        await client.schedule.getHandle(scheduleId(kind(), prefix)).pause('paused with kinetic schedules pause');
        console.log(`paused ${scheduleId(kind(), prefix)}`);
        return 0;
      case 'unpause':
        await client.schedule.getHandle(scheduleId(kind(), prefix)).unpause('unpaused with kinetic schedules unpause');
        console.log(`unpaused ${scheduleId(kind(), prefix)}`);
        return 0;
      case 'trigger':
        await client.schedule.getHandle(scheduleId(kind(), prefix)).trigger(ScheduleOverlapPolicy.SKIP);
        console.log(`triggered ${scheduleId(kind(), prefix)}; see the Temporal UI or \`kinetic schedules list\``);
        return 0;
      default:
        throw new UserError(`kinetic schedules: unknown sub-command "${sub ?? ''}"; see \`kinetic schedules --help\``);
    }
  },
};

function specText(spec: unknown): string {
  const s = spec as { intervals?: Array<{ every: number }>; calendars?: Array<Record<string, unknown>>; cronExpressions?: string[] };
  const parts: string[] = [];
  for (const i of s.intervals ?? []) parts.push(`every ${Math.round(i.every / 1000)}s`);
  for (const c of s.cronExpressions ?? []) parts.push(`cron ${c}`);
  for (const c of s.calendars ?? []) {
    const f = (x: unknown) => (Array.isArray(x) ? x.map((r: { start: number }) => r.start).join(',') : '*');
    parts.push(`at ${f(c.hour)}:${f(c.minute)} UTC`);
  }
  return parts.join('; ') || JSON.stringify(spec);
}
