import { BudgetAuthorityClient } from '../../client/budget-authority';
import type { TestTemporal } from './temporal';

/** The budget authorities of the test's task queue (each test file has its own). */
export const authorityOf = (t: TestTemporal) => new BudgetAuthorityClient(t.client, t.taskQueue);

/** A root's book, as its authority holds it (a Query: call it while a worker runs). */
export const bookOf = (t: TestTemporal, root: string) => authorityOf(t).book(root);
