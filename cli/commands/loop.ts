import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { parseDurationSeconds } from '../../config/duration';
import { getService, loadConfig } from '../../config/load';
import { controlLoop, type LoopControlRequest, loopControlUpdate, loopStatusQuery, loopWorkflowId } from '../../workflows/control-loop';
import { callerToken, optionalConfig } from '../auth-flags';
import { explainRefusal } from './approve';

export const command: CliCommand = {
  name: 'loop',
  summary: 'the per-service control loop: start, stop, pause, resume, interval, status',
  usage: `Usage: kinetic loop start SERVICE [--forecast-only] [--interval 5m] [--config F]
       kinetic loop stop|pause|resume|status SERVICE [--json] [--token-file FILE]
       kinetic loop interval SERVICE DURATION [--token-file FILE]

The loop (workflow id loop-SERVICE) forecasts every interval and starts a decision when the plan
differs from the fleet (respecting cooldowns). --forecast-only records what it would do and
provisions nothing. Defaults come from the service's \`learning.loop\` config. stop, pause, resume
and interval are sent as the Update "loopControl" with your token (\`kinetic login\`, or
--token-file): the worker verifies it and needs role operator; a refusal exits 1 with
"PermissionDenied: …" and is written to the audit log. (The plain signals pauseLoop, stopLoop, …
still work with auth: { mode: unverified } only.)`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        'forecast-only': { type: 'boolean' },
        interval: { type: 'string' },
        'iterations-per-run': { type: 'string' },
        json: { type: 'boolean' },
        'token-file': { type: 'string' },
      },
      'loop',
    );
    const [sub, serviceArg, extra] = positionals;
    const service = requireFlag(serviceArg, 'SERVICE', `loop ${sub ?? ''}`.trim());
    const kinetic = await cliClient(values.config as string | undefined);
    const client = kinetic.client;
    const workflowId = loopWorkflowId(service);
    const handle = client.workflow.getHandle(workflowId);
    /** stop / pause / resume / interval: the authenticated Update, with the caller's token when auth is oidc. */
    const steer = async (req: LoopControlRequest) => {
      const mode = optionalConfig(values.config as string | undefined)?.auth?.mode;
      const token = mode === 'unverified' ? undefined : callerToken(`loop ${sub}`, values['token-file'] as string | undefined, mode === 'oidc');
      await handle.executeUpdate(loopControlUpdate, { args: [{ ...req, ...(token ? { token } : {}) }] }).catch(explainRefusal);
    };
    switch (sub) {
      case 'start': {
        getService(loadConfig(values.config as string | undefined), service); // unknown service: say so now, not in the loop
        const interval = values.interval ? parseDurationSeconds(values.interval as string) : undefined;
        try {
          const h = await client.workflow.start(controlLoop, {
            workflowId,
            taskQueue: kinetic.taskQueue,
            args: [
              {
                service,
                mode: values['forecast-only'] ? 'forecast-only' : undefined,
                intervalSeconds: interval,
                iterationsPerRun: intFlag(values['iterations-per-run'] as string | undefined, '--iterations-per-run', 'loop', 1),
              },
            ],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          });
          console.log(`loop ${workflowId} started (run ${h.firstExecutionRunId})${values['forecast-only'] ? ' in forecast-only mode' : ''}`);
        } catch (e) {
          if (e instanceof WorkflowExecutionAlreadyStartedError) throw new UserError(`a loop for ${service} is already running (${workflowId}); use \`kinetic loop status ${service}\``, 1);
          throw e;
        }
        return 0;
      }
      case 'stop':
        await steer({ action: 'stop' });
        console.log(`asked ${workflowId} to stop after its current iteration (a running decision finishes on its own)`);
        return 0;
      case 'pause':
        await steer({ action: 'pause' });
        console.log(`paused ${workflowId}`);
        return 0;
      case 'resume':
        await steer({ action: 'resume' });
        console.log(`resumed ${workflowId}`);
        return 0;
      case 'interval': {
        const seconds = parseDurationSeconds(requireFlag(extra, 'DURATION', 'loop interval'));
        await steer({ action: 'interval', seconds });
        console.log(`${workflowId} now runs every ${seconds}s`);
        return 0;
      }
      case 'status': {
        const desc = await handle.describe();
        const status = desc.status.name === 'RUNNING' ? await handle.query(loopStatusQuery) : undefined;
        if (values.json) {
          console.log(JSON.stringify({ workflowId, runId: desc.runId, status: desc.status.name, loop: status }));
          return 0;
        }
        console.log(`${workflowId}  ${desc.status.name}  run ${desc.runId}`);
        if (status) {
          console.log(
            `mode ${status.mode}  every ${status.effectiveIntervalSeconds}s  iteration ${status.iteration}  ${status.paused ? 'PAUSED  ' : ''}decisions started ${status.decisionsStarted}  runs ${status.runs}`,
          );
          if (status.lastDecision) console.log(`last decision ${status.lastDecision.decisionId}: ${status.lastDecision.from} → ${status.lastDecision.to} ${status.lastDecision.outcome ?? '(running)'}`);
          for (const e of status.recent.slice(-5)) console.log(`  #${e.iteration} ${e.at} ${e.action}${e.decisionId ? ` ${e.decisionId}` : ''}: ${e.reason}`);
        }
        return 0;
      }
      default:
        throw new UserError(`kinetic loop: unknown sub-command "${sub ?? ''}"; see \`kinetic loop --help\``);
    }
  },
};
