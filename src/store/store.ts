import type { Config } from '../config/schema.ts';
import { ActionStore } from './action-store.ts';
import { AllowlistStore } from './allowlist-store.ts';
import { AuditLog } from './audit-log.ts';
import { BlockStore } from './block-store.ts';
import { CORE_MIGRATIONS } from './core-migrations.ts';
import { type Database, migrate, openDatabase, transaction } from './database.ts';
import { IncidentStore } from './incident-store.ts';
import { PositionStore } from './position-store.ts';

/** Everything the pipelines persist, opened once per process. */
export interface Store {
  db: Database;
  incidents: IncidentStore;
  allowlist: AllowlistStore;
  actions: ActionStore;
  blocks: BlockStore;
  positions: PositionStore;
  audit: AuditLog;
  transaction<T>(work: () => T): T;
  close(): void;
}

/**
 * The database and audit log the config names, audit records signed with its agent id. Refuses (AuditChainError, exit
 * 2) an audit file that does not continue this database's chain before any work is done, unless only reading it.
 */
export function openConfiguredStore(config: Config, options: { checkAuditChain?: boolean } = {}): Store {
  const store = openStore(config.database.path, config.audit.path, config.audit.agent_id);
  if (options.checkAuditChain === false) return store;
  try {
    store.audit.assertAppendable();
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}

export function openStore(databasePath: string, auditPath: string, agentId = 'devops-agent'): Store {
  const db = openDatabase(databasePath);
  migrate(db, 'core', CORE_MIGRATIONS);
  return {
    db,
    incidents: new IncidentStore(db),
    allowlist: new AllowlistStore(db),
    actions: new ActionStore(db),
    blocks: new BlockStore(db),
    positions: new PositionStore(db),
    audit: new AuditLog(db, auditPath, agentId),
    transaction: (work) => transaction(db, work),
    close: () => db.close(),
  };
}
