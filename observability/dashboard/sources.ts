/**
 * Reads what the dashboard shows from where Kinetic already keeps it — the audit log, each
 * service's metrics source, the prediction store, the budget authorities and Temporal visibility —
 * and hands it to the pure view model. Nothing is copied or cached beyond one refresh.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { buildBudgetReport, type BudgetReportRow } from '../../activities/budget-report';
import { budgetRoots } from '../../activities/budget-roots';
import { BudgetAuthorityClient } from '../../client/budget-authority';
import type { LoadedConfig } from '../../config/load';
import type { DecisionRecord } from '../../decision/record';
import { createMetricsSource } from '../../metrics';
import type { MetricSeries } from '../../metrics/contract';
import { createAuditLog } from '../../store/audit';
import { createPredictionStore } from '../../store/prediction-store';
import { SA_DECISION_ID, SA_SERVICE, SA_STAGE } from '../../workflows/definitions';
import { serviceView, type LinkContext, type RunningApproval, type ServiceView } from './view-model';

export interface DashboardSourceOptions {
  cfg: LoadedConfig;
  /** Temporal, for pending approvals and budget books; without it those panels say so. */
  client?: Client;
  taskQueue: string;
  webUiUrl: string;
  /** How far back the charts reach (ms) and the most points one series carries. */
  historyMs: number;
  maxPoints: number;
  /** How long one budget book Query may take before the panel reports it unreadable. */
  budgetDeadlineMs?: number;
}

/** An unknown service in a URL or flag: names it and lists the configured ones. */
export class UnknownDashboardService extends Error {
  constructor(service: string, known: string[]) {
    super(`no service "${service}" in kinetic.yaml; configured services: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownDashboardService';
  }
}

export class DashboardSources {
  private readonly audit;
  private readonly predictions;
  private readonly links: LinkContext;

  constructor(private readonly o: DashboardSourceOptions) {
    this.audit = createAuditLog(o.cfg.state, o.cfg.stateRoot);
    this.predictions = createPredictionStore(o.cfg.state, o.cfg.stateRoot);
    this.links = { webUiUrl: o.webUiUrl, namespace: o.client?.options.namespace ?? 'default' };
  }

  serviceNames(): string[] {
    return Object.keys(this.o.cfg.services);
  }

  /** Every service's panel, read in one pass over the shared stores. */
  async all(now = Date.now()): Promise<ServiceView[]> {
    return this.read(this.serviceNames(), now);
  }

  async one(service: string, now = Date.now()): Promise<ServiceView> {
    if (!this.o.cfg.services[service]) throw new UnknownDashboardService(service, this.serviceNames());
    return (await this.read([service], now))[0];
  }

  private async read(services: string[], now: number): Promise<ServiceView[]> {
    const shared: string[] = [];
    // The Temporal round trips run while the files are read.
    const recordsRead = this.audit.all().catch((e: Error) => (shared.push(`audit log ${this.audit.location}: ${e.message}`), [] as DecisionRecord[]));
    const runningRead = this.pendingApprovals().catch((e: Error) => (shared.push(`Temporal visibility: ${e.message}`), [] as Array<RunningApproval & { service: string }>));
    const budgetRead = this.budgetRows(recordsRead, now).catch((e: Error) => (shared.push(e.message), [] as BudgetReportRow[]));
    const [records, running, budgetRows] = await Promise.all([recordsRead, runningRead, budgetRead]);
    return Promise.all(
      services.map(async (service) => {
        const svc = this.o.cfg.services[service];
        const problems = [...shared];
        const series = await this.observed(service, now).catch((e: Error) => (problems.push(`metrics (${svc.metrics.source}): ${e.message}`), undefined));
        const predictions = await this.predictions.forService(service).catch((e: Error) => (problems.push(`prediction store: ${e.message}`), []));
        return serviceView({
          service,
          metric: svc.metrics.metric,
          stepSeconds: svc.metrics.stepSeconds,
          now,
          historyMs: this.o.historyMs,
          maxPoints: this.o.maxPoints,
          series,
          records: records.filter((r) => r.service === service),
          predictions,
          running: running.filter((r) => r.service === service),
          budgetRows,
          links: this.links,
          problems,
        });
      }),
    );
  }

  /** The service's observed demand over the chart's window, from its configured metrics source. */
  private observed(service: string, now: number): Promise<MetricSeries> {
    const svc = this.o.cfg.services[service];
    const source = createMetricsSource(svc.metrics, { service, serviceConfig: svc, stateRoot: this.o.cfg.stateRoot, state: this.o.cfg.state });
    return source.range(service, svc.metrics.metric, new Date(now - this.o.historyMs), new Date(now), svc.metrics.stepSeconds);
  }

  /** Decisions waiting for a person, from visibility (as `observability/pending-approvals.ts` reads them). */
  private async pendingApprovals(): Promise<Array<RunningApproval & { service: string }>> {
    const client = this.o.client;
    if (!client) throw new Error('not connected (start the dashboard where Temporal is reachable)');
    const query = `TaskQueue = "${this.o.taskQueue}" AND ExecutionStatus = "Running" AND ${SA_STAGE.name} = "awaiting-approval"`;
    const out: Array<RunningApproval & { service: string }> = [];
    for await (const wf of client.workflow.list({ query })) {
      out.push({
        service: wf.typedSearchAttributes.get(SA_SERVICE) ?? 'unknown',
        decisionId: wf.typedSearchAttributes.get(SA_DECISION_ID) ?? wf.workflowId,
        workflowId: wf.workflowId,
        runId: wf.runId,
        startTime: wf.startTime.getTime(),
      });
    }
    return out;
  }

  /** Budget use per level, as `kinetic budget report` computes it (books from the budget authorities). */
  private async budgetRows(recordsRead: Promise<DecisionRecord[]>, now: number): Promise<BudgetReportRow[]> {
    const client = this.o.client;
    if (!client) throw new Error('budget: Temporal not connected, the budget authorities cannot be asked');
    const authority = new BudgetAuthorityClient(client, this.o.taskQueue);
    const books = [];
    for (const root of budgetRoots(this.o.cfg).keys()) {
      try {
        books.push(await client.withDeadline(Date.now() + (this.o.budgetDeadlineMs ?? 3000), () => authority.book(root)));
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) continue; // nothing reserved against this root yet
        throw new Error(`budget: cannot read budget authority ${authority.workflowId(root)}: ${(e as Error).message} (is a Kinetic worker running?)`);
      }
    }
    return buildBudgetReport(this.o.cfg, books, await recordsRead, new Date(now).toISOString().slice(0, 7), now).nodes;
  }
}
