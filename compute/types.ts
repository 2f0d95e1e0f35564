/**
 * A compute task: a pure function of a structured-clonable (JSON-like) input to such an output.
 * `never` as the parameter type lets a registry hold tasks with any input type.
 */
export type Task = (input: never) => unknown;
export type TaskRegistry = Record<string, Task>;
export type TaskInput<T> = T extends (input: infer I) => unknown ? I : never;
export type TaskOutput<T> = T extends (input: never) => infer O ? Awaited<O> : never;

export interface PoolStats {
  /** Threads started and not yet exited. */
  threads: number;
  busy: number;
  queued: number;
}

export interface ComputePool<T extends TaskRegistry> {
  /** Run a task on the next free thread (FIFO); rejects with the task's error or the thread's crash. */
  run<K extends keyof T & string>(task: K, input: TaskInput<T[K]>): Promise<TaskOutput<T[K]>>;
  /** Terminate every thread; queued and running tasks reject. A later run() starts threads again. */
  close(): Promise<void>;
  readonly size: number;
  stats(): PoolStats;
}

/** Messages between the pool and a thread. */
export interface TaskRequest {
  id: number;
  task: string;
  input: unknown;
}

export type TaskReply =
  | { id: number; ok: true; output: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };
