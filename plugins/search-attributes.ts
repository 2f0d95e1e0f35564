import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

/**
 * Registers the Keyword search attributes `kinetic status` and the Web UI list decisions by
 * (KineticService, KineticDecisionId, ...) when the namespace lacks them. Best effort: where the
 * operator API is not allowed (Temporal Cloud: add them with `tcld`), the reason is logged.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string, warn: (m: string) => void): Promise<void> {
  try {
    const have = await connection.operatorService.listSearchAttributes({ namespace });
    const known = { ...have.customAttributes, ...have.systemAttributes };
    const missing = SEARCH_ATTRIBUTES.filter((a) => !(a.name in known));
    if (missing.length === 0) return;
    const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, KEYWORD])) });
  } catch (e) {
    warn(`kinetic: could not register search attributes ${SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')} in namespace ${namespace} (${(e as Error).message}); register them as Keyword, or decisions list without service and decision id`);
  }
}
