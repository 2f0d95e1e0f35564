import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { computeThreads } from './threads';
import type { ComputePool, PoolStats, TaskInput, TaskOutput, TaskRegistry, TaskReply, TaskRequest } from './types';

/**
 * A fixed-size pool of worker threads running named pure tasks, one task per thread at a time,
 * FIFO. Threads start on demand, are unref'd while idle (an idle pool never keeps a process
 * alive) and a thread that crashes is dropped: its task rejects and the next task starts a new one.
 */

export interface PoolOptions {
  /** Thread count (default: computeThreads(), i.e. the cores or KINETIC_COMPUTE_THREADS). */
  threads?: number;
  /** Absolute path of the module exporting `TASKS` (default: compute/tasks). */
  tasksModule?: string;
}

/** A task failed inside its thread; name and stack are the thread's. */
export class ComputeTaskError extends Error {
  constructor(readonly task: string, error: { name: string; message: string; stack?: string }) {
    super(error.message);
    this.name = error.name;
    if (error.stack) this.stack = `${error.stack}\n    at compute task '${task}' (worker thread)`;
  }
}

/** The thread died (process.exit, uncaught error, out of memory) or the pool closed under the task. */
export class ComputeThreadError extends Error {
  constructor(message: string, readonly task: string) {
    super(message);
    this.name = 'ComputeThreadError';
  }
}

interface Job {
  id: number;
  task: string;
  input: unknown;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Thread {
  worker: Worker;
  job?: Job;
  /** The uncaught error that is about to end this thread, if any. */
  crash?: Error;
}

/** Our own file extension: .ts under tsx/vitest, .js if ever compiled. */
const EXT = extname(__filename);
const DEFAULT_TASKS = join(__dirname, `tasks${EXT}`);

/**
 * Thread bootstrap. The parent's TypeScript loader is not inherited reliably (vitest transforms in
 * its own runner; tsx's ESM hooks are per thread), so each thread registers tsx's CommonJS hook
 * itself, as bin/kinetic.js does, then loads the entry.
 */
function bootstrap(): string {
  const entry = JSON.stringify(join(__dirname, `thread${EXT}`));
  if (EXT !== '.ts') return `require(${entry});`;
  return `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${entry});`;
}

/** The parent's Node flags minus tsx's own loader flags (the bootstrap registers tsx instead). */
function threadExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takesValue = ['--require', '-r', '--import', '--loader', '--experimental-loader'].includes(a);
    const value = takesValue ? argv[i + 1] : a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
    if (/[/\\]tsx[/\\]|^tsx$/.test(value)) {
      if (takesValue) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export function createComputePool<T extends TaskRegistry>(opts: PoolOptions = {}): ComputePool<T> {
  const size = opts.threads ?? computeThreads();
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`compute pool size ${size}: expected a whole number >= 1`);
  const tasksModule = opts.tasksModule ?? DEFAULT_TASKS;
  const queue: Job[] = [];
  const threads = new Set<Thread>();
  let nextId = 1;

  const finish = (thread: Thread, settle: (job: Job) => void) => {
    const job = thread.job;
    thread.job = undefined;
    thread.worker.unref();
    if (job) settle(job);
  };

  const start = (): Thread => {
    const worker = new Worker(bootstrap(), { eval: true, workerData: { tasksModule }, execArgv: threadExecArgv() });
    const thread: Thread = { worker };
    worker.on('message', (reply: TaskReply) => {
      if (thread.job?.id !== reply.id) return;
      finish(thread, (job) => (reply.ok ? job.resolve(reply.output) : job.reject(new ComputeTaskError(job.task, reply.error))));
      pump();
    });
    worker.on('error', (err) => {
      thread.crash = err;
    });
    worker.on('exit', (code) => {
      threads.delete(thread);
      finish(thread, (job) => {
        const why = thread.crash ? `an uncaught ${thread.crash.name}: ${thread.crash.message}` : `exit code ${code}`;
        job.reject(new ComputeThreadError(`compute thread crashed while running task '${job.task}' (${why}); the pool replaces the thread`, job.task));
      });
      pump();
    });
    threads.add(thread);
    return thread;
  };

  const pump = () => {
    while (queue.length) {
      let idle = [...threads].find((t) => !t.job && !t.crash);
      if (!idle) {
        if (threads.size >= size) return;
        idle = start();
      }
      const job = queue.shift()!;
      idle.job = job;
      idle.worker.ref();
      const msg: TaskRequest = { id: job.id, task: job.task, input: job.input };
      try {
        idle.worker.postMessage(msg);
      } catch (err) {
        // The input cannot be cloned (functions, class instances): the thread stays usable.
        finish(idle, (j) => j.reject(new TypeError(`compute task '${j.task}': input cannot be sent to a thread: ${(err as Error).message}`)));
      }
    }
  };

  return {
    size,
    run<K extends keyof T & string>(task: K, input: TaskInput<T[K]>): Promise<TaskOutput<T[K]>> {
      return new Promise<TaskOutput<T[K]>>((resolve, reject) => {
        queue.push({ id: nextId++, task, input, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
    async close(): Promise<void> {
      for (const job of queue.splice(0)) job.reject(new ComputeThreadError(`compute pool closed before task '${job.task}' started`, job.task));
      const running = [...threads];
      threads.clear();
      for (const t of running) {
        t.worker.removeAllListeners('exit');
        finish(t, (job) => job.reject(new ComputeThreadError(`compute pool closed while task '${job.task}' was running`, job.task)));
      }
      await Promise.all(running.map((t) => t.worker.terminate()));
    },
    stats(): PoolStats {
      const all = [...threads];
      return { threads: all.length, busy: all.filter((t) => t.job).length, queued: queue.length };
    },
  };
}
