import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';

/**
 * The decision's search attributes (KineticStage, KineticDirection, KineticOutcome), written to
 * Temporal's visibility store. Each upsert is a history event and a visibility write on the server;
 * a committed decision used to make ten, most of them for steps that start and end inside one
 * workflow task, where no list or query could see them before the next one replaced them.
 *
 * `held` (saga change `workflow-sets-own-search-attributes`, issue 12): `set` keeps the newest value per key
 * and `flush` writes them together when the decision is about to wait outside its workflow task
 * (a regular activity, a person, an operator) and at the end. The exact stage is always answered
 * by the `currentStep` query. Without `held` every `set` is written at once, as older decisions
 * did, so their histories replay.
 */
export class StageAttributes {
  private readonly pending = new Map<string, SearchAttributeUpdatePair>();

  constructor(private readonly held: boolean) {}

  set(...pairs: SearchAttributeUpdatePair[]): void {
    if (!this.held) {
      upsertSearchAttributes(pairs);
      return;
    }
    for (const p of pairs) this.pending.set(p.key.name, p);
  }

  /** Writes what is pending plus `pairs` in one upsert (newest value per key). */
  flush(...pairs: SearchAttributeUpdatePair[]): void {
    for (const p of pairs) this.pending.set(p.key.name, p);
    if (this.pending.size === 0) return;
    upsertSearchAttributes([...this.pending.values()]);
    this.pending.clear();
  }
}
