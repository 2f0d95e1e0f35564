import { parentPort, workerData } from 'node:worker_threads';
import type { TaskReply, TaskRegistry, TaskRequest } from './types';

/**
 * Entry of one compute thread: loads the task module named by the pool and runs one task per
 * message. A task's own error is sent back; anything uncaught crashes the thread, and the pool
 * rejects the running task and replaces the thread.
 */
const { tasksModule } = workerData as { tasksModule: string };
const tasks = (require(tasksModule) as { TASKS: TaskRegistry }).TASKS;
const port = parentPort;
if (!port) throw new Error('compute/thread.ts runs only as a worker thread');

port.on('message', async ({ id, task, input }: TaskRequest) => {
  let reply: TaskReply;
  try {
    const fn = tasks[task] as ((input: unknown) => unknown) | undefined;
    if (!fn) throw new RangeError(`unknown compute task '${task}'; registered: ${Object.keys(tasks).join(', ')}`);
    reply = { id, ok: true, output: await fn(input) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } };
  }
  try {
    port.postMessage(reply);
  } catch (err) {
    // An output that cannot be cloned (a function, a class instance with methods): say so.
    port.postMessage({ id, ok: false, error: { name: 'DataCloneError', message: `compute task '${task}' returned a value that cannot be sent between threads: ${(err as Error).message}` } });
  }
});
