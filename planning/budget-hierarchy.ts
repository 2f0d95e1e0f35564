/**
 * Budget hierarchy: company → department → project → service, each with a monthly limit. A
 * decision must fit every budget on its service's path; spend alerts fire once per node, threshold
 * and month. Node ids are `${level}:${name}` so a project and a service may share a name.
 */

export type BudgetLevel = 'company' | 'department' | 'project' | 'service';

export interface BudgetNode {
  /** `${level}:${name}`, e.g. "service:checkout". */
  id: string;
  /** The name given in kinetic.yaml. */
  name: string;
  level: BudgetLevel;
  monthlyLimit: number;
  /** Id of the parent node; only the company has none. */
  parent?: string;
}

export interface BudgetTree {
  nodes: Record<string, BudgetNode>;
}

export interface BudgetTreeInput {
  company: { name: string; monthly: number };
  departments: Record<string, { monthly: number }>;
  projects: Record<string, { monthly: number; department: string }>;
  /** A service without a project sits directly under the company. */
  services: Record<string, { monthly: number; project?: string }>;
}

export function nodeId(level: BudgetLevel, name: string): string {
  return `${level}:${name}`;
}

const money = (v: number) => v.toFixed(2);

function limitOf(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`budgets.${field}.monthly must be a number >= 0, got ${String(v)}`);
  }
  return v;
}

/** Builds and validates the tree; an unknown parent is an error naming it and where it was used. */
export function buildBudgetTree(input: BudgetTreeInput): BudgetTree {
  if (!input?.company?.name) throw new Error('budgets.company.name is required');
  const nodes: Record<string, BudgetNode> = {};
  const company = nodeId('company', input.company.name);
  nodes[company] = { id: company, name: input.company.name, level: 'company', monthlyLimit: limitOf('company', input.company.monthly) };
  for (const [name, d] of Object.entries(input.departments ?? {})) {
    const id = nodeId('department', name);
    nodes[id] = { id, name, level: 'department', monthlyLimit: limitOf(`departments.${name}`, d?.monthly), parent: company };
  }
  for (const [name, p] of Object.entries(input.projects ?? {})) {
    const parent = nodeId('department', p?.department);
    if (!nodes[parent]) {
      const known = Object.keys(input.departments ?? {}).join(', ') || 'none';
      throw new Error(`budgets.projects.${name}.department "${p?.department}" is not a department (known: ${known})`);
    }
    const id = nodeId('project', name);
    nodes[id] = { id, name, level: 'project', monthlyLimit: limitOf(`projects.${name}`, p.monthly), parent };
  }
  for (const [name, s] of Object.entries(input.services ?? {})) {
    let parent = company;
    if (s?.project !== undefined) {
      parent = nodeId('project', s.project);
      if (!nodes[parent]) {
        const known = Object.keys(input.projects ?? {}).join(', ') || 'none';
        throw new Error(`budgets.services.${name}.project "${s.project}" is not a project (known: ${known})`);
      }
    }
    const id = nodeId('service', name);
    nodes[id] = { id, name, level: 'service', monthlyLimit: limitOf(`services.${name}`, s?.monthly), parent };
  }
  return { nodes };
}

function companyOf(tree: BudgetTree): BudgetNode {
  const c = Object.values(tree.nodes).find((n) => n.level === 'company');
  if (!c) throw new Error('budget tree has no company node');
  return c;
}

/**
 * The budgets a service answers to, from the service up to the company. A service without a budget
 * of its own still answers to the company.
 */
export function pathOf(tree: BudgetTree, service: string): BudgetNode[] {
  const start = tree.nodes[nodeId('service', service)];
  if (!start) return [companyOf(tree)];
  const path: BudgetNode[] = [];
  for (let n: BudgetNode | undefined = start; n; n = n.parent ? tree.nodes[n.parent] : undefined) {
    if (path.includes(n)) throw new Error(`budget tree has a cycle at ${n.id}`);
    path.push(n);
  }
  return path;
}

export interface Spend {
  /** Monthly run-rate of each service's committed fleet, by service name. */
  committed: Record<string, number>;
  /** Money held by running decisions, by service name. */
  reservations: Array<{ decisionId: string; service: string; monthly: number }>;
}

export interface LevelVerdict {
  id: string;
  level: BudgetLevel;
  limit: number;
  projected: number;
  /** Projected as a percent of the limit (92.5 = 92.5%). */
  pct: number;
  allowed: boolean;
  message: string;
}

const percentOf = (amount: number, limit: number) => (limit > 0 ? (amount / limit) * 100 : amount > 0 ? Infinity : 0);

/**
 * Checks a service's projected monthly cost against every budget on its path. Projected at a node =
 * committed run-rate of the services under it (this one replaced by projectedMonthly) + reservations
 * under it, except those of `excludeDecision` (the decision being checked).
 */
export function checkHierarchy(
  tree: BudgetTree,
  service: string,
  projectedMonthly: number,
  spend: Spend,
  excludeDecision: string,
): { allowed: boolean; levels: LevelVerdict[]; message: string } {
  if (!Number.isFinite(projectedMonthly) || projectedMonthly < 0) {
    throw new RangeError(`projectedMonthly must be a number >= 0, got ${projectedMonthly}`);
  }
  const committed = { ...spend.committed, [service]: projectedMonthly };
  const reservations = spend.reservations.filter((r) => r.decisionId !== excludeDecision);
  const totals = spendByNode(tree, { committed, reservations });
  const levels = pathOf(tree, service).map((node): LevelVerdict => {
    const projected = totals[node.id] ?? 0;
    const allowed = projected <= node.monthlyLimit + 1e-9;
    const p = percentOf(projected, node.monthlyLimit);
    const pctText = Number.isFinite(p) ? `${p.toFixed(1)}%` : '∞%';
    return {
      id: node.id,
      level: node.level,
      limit: node.monthlyLimit,
      projected,
      pct: p,
      allowed,
      message: `${node.level} ${node.name}: projected ${money(projected)}/month is ${pctText} of its budget of ${money(node.monthlyLimit)}${allowed ? '' : `, over by ${money(projected - node.monthlyLimit)}`}`,
    };
  });
  const over = levels.filter((l) => !l.allowed);
  const message = over.length === 0
    ? `within all ${levels.length} budgets on the path of ${service} (${levels.map((l) => l.id).join(' → ')})`
    : `exceeds ${over.map((l) => l.message).join('; ')}`;
  return { allowed: over.length === 0, levels, message };
}

/** Spend at every node: committed run-rate plus reservations of the services under it. */
export function spendByNode(tree: BudgetTree, spend: Spend): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const id of Object.keys(tree.nodes)) totals[id] = 0;
  const addAlongPath = (service: string, amount: number) => {
    for (const n of pathOf(tree, service)) totals[n.id] += amount;
  };
  for (const [service, amount] of Object.entries(spend.committed)) addAlongPath(service, amount);
  for (const r of spend.reservations) addAlongPath(r.service, r.monthly);
  return totals;
}

export const ALERT_THRESHOLDS = [0.8, 0.9, 0.95];

export interface BudgetAlert {
  /** `${month}:${nodeId}:${threshold}`: the caller stores it so the alert fires once a month. */
  key: string;
  nodeId: string;
  level: BudgetLevel;
  threshold: number;
  /** Spend as a percent of the limit. */
  pct: number;
  amount: number;
  limit: number;
  message: string;
}

const LEVEL_ORDER: BudgetLevel[] = ['company', 'department', 'project', 'service'];

export function validateMonth(month: string): void {
  if (typeof month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new Error(`month must be 'YYYY-MM' (e.g. 2026-11), got '${String(month)}'`);
  }
}

/**
 * Alerts to fire now: every threshold a node has reached this month whose key is not in
 * `alreadyFired`. Crossing several thresholds at once fires each; a key once stored never fires
 * again that month, even if spend drops and rises again.
 */
export function alertsToFire(
  tree: BudgetTree,
  spendByNodeId: Record<string, number>,
  month: string,
  alreadyFired: ReadonlySet<string>,
  thresholds: readonly number[] = ALERT_THRESHOLDS,
): BudgetAlert[] {
  validateMonth(month);
  const nodes = Object.values(tree.nodes).sort(
    (a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const alerts: BudgetAlert[] = [];
  for (const node of nodes) {
    const amount = spendByNodeId[node.id] ?? 0;
    const p = percentOf(amount, node.monthlyLimit);
    for (const threshold of thresholds) {
      if (p + 1e-9 < threshold * 100) continue;
      const key = `${month}:${node.id}:${threshold}`;
      if (alreadyFired.has(key)) continue;
      const pctText = Number.isFinite(p) ? `${p.toFixed(1)}%` : '∞%';
      alerts.push({
        key,
        nodeId: node.id,
        level: node.level,
        threshold,
        pct: p,
        amount,
        limit: node.monthlyLimit,
        message: `${node.level} ${node.name} has reached ${pctText} of its ${month} budget (${money(amount)} of ${money(node.monthlyLimit)}), past the ${Math.round(threshold * 100)}% alert`,
      });
    }
  }
  return alerts;
}
