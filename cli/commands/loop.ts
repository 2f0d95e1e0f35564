import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags, requireFlag } from '../args';
import { cliClient } from '../kinetic-client';
import { parseDurationSeconds } from '../../config/duration';
import { getService, loadConfig } from '../../config/load';
import {
  controlLoop,
  loopStatusQuery,
  loopWorkflowId,
  pauseLoopSignal,
  resumeLoopSignal,
  setLoopIntervalSignal,
  stopLoopSignal,
} from '../../workflows/control-loop';

export const command: CliCommand = {
  name: 'loop',
  summary: 'the per-service control loop: start, stop, pause, resume, interval, status',
  usage: `Usage: kinetic loop start SERVICE [--forecast-only] [--interval 5m] [--config F]
       kinetic loop stop|pause|resume|status SERVICE [--json]
       kinetic loop interval SERVICE DURATION

The loop (workflow id loop-SERVICE) forecasts every interval and starts a decision when the plan
differs from the fleet (respecting cooldowns). --forecast-only records what it would do and
provisions nothing. Defaults come from the service's \`learning.loop\` config.`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { ...CONFIG_FLAG, 'forecast-only': { type: 'boolean' }, interval: { type: 'string' }, 'iterations-per-run': { type: 'string' }, json: { type: 'boolean' } },
      'loop',
    );
    const [sub, serviceArg, extra] = positionals;
    const service = requireFlag(serviceArg, 'SERVICE', `loop ${sub ?? ''}`.trim());
    const kinetic = await cliClient(values.config as string | undefined);
    const client = kinetic.client;
    const workflowId = loopWorkflowId(service);
    const handle = client.workflow.getHandle(workflowId);
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
        await handle.signal(stopLoopSignal);
        console.log(`asked ${workflowId} to stop after its current iteration (a running decision finishes on its own)`);
        return 0;
      case 'pause':
        await handle.signal(pauseLoopSignal);
        console.log(`paused ${workflowId}`);
        return 0;
      case 'resume':
        await handle.signal(resumeLoopSignal);
        console.log(`resumed ${workflowId}`);
        return 0;
      case 'interval': {
        const seconds = parseDurationSeconds(requireFlag(extra, 'DURATION', 'loop interval'));
        await handle.signal(setLoopIntervalSignal, seconds);
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
