// A database written before StatefulSets, DaemonSets and CronJobs were patched: its remediations and rollbacks have no
// kind. Migrating it keeps them (Deployments), in one transaction, and later plans are told apart by kind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate, openDatabase } from '../store/database.ts';
import { hashPatch } from './image-patch.ts';
import { getRemediation, recordRemediation } from './remediation-approvals.ts';
import { ensureWorkloadTables, WORKLOAD_MIGRATIONS } from './workload-store.ts';

const BEFORE_KINDS = WORKLOAD_MIGRATIONS.filter((migration) => migration.id < '006');

function databaseBeforeKinds() {
  const db = openDatabase(':memory:');
  migrate(db, 'workloads', BEFORE_KINDS);
  db.prepare(
    `INSERT INTO workload_remediations (created_at, expires_at, namespace, deployment, container, current_image,
       target_image, source, finding, patch_type, patch, plan_hash, diff, status, applied_at)
     VALUES ('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'shop', 'web', 'web', 'nginx:1.25.3', 'nginx:1.25.5',
       'fixed-version', '{"kinds":["vulnerabilities"],"cves":[]}', 'json', '[]', ?, '', 'applied',
       '2026-11-01T00:05:00Z')`,
  ).run(hashPatch([]));
  db.prepare(
    `INSERT INTO workload_rollbacks (at, namespace, deployment, container, from_image, to_image, requested_by)
     VALUES ('2026-11-01T01:00:00Z', 'shop', 'web', 'web', 'nginx:1.25.5', 'nginx:1.25.3', 'tester')`,
  ).run();
  return db;
}

const audit = { append: () => {} } as never;

describe('the workload store across the kinds migration', () => {
  it('reads remediations and rollbacks stored before as Deployments', () => {
    const db = databaseBeforeKinds();
    ensureWorkloadTables(db);
    const old = getRemediation({ db, audit }, 1);
    assert.equal(old?.kind, 'Deployment');
    assert.equal(old?.status, 'applied');
    assert.equal(old?.rolloutNote, undefined);
    assert.deepEqual(
      db
        .prepare('SELECT kind FROM workload_rollbacks')
        .all()
        .map((row) => row.kind),
      ['Deployment'],
    );
    const applied = db.prepare("SELECT id FROM schema_migrations WHERE family = 'workloads' ORDER BY id").all();
    assert.deepEqual(
      applied.map((row) => row.id),
      WORKLOAD_MIGRATIONS.map((migration) => migration.id),
    );
  });

  it('refuses an unknown kind, and keeps a StatefulSet plan apart from a Deployment of the same name', () => {
    const db = databaseBeforeKinds();
    ensureWorkloadTables(db);
    assert.throws(() => db.exec("UPDATE workload_remediations SET kind = 'Job' WHERE id = 1"), /CHECK constraint/);
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'redis:7.2.5' }];
    const plan = {
      namespace: 'shop',
      deployment: 'cache',
      container: 'redis',
      currentImage: 'redis:7.2.4',
      targetImage: 'redis:7.2.5',
      patchType: 'json' as const,
      patch,
      diff: '',
      planHash: hashPatch(patch),
    };
    const details = { source: 'fixed-version', finding: { kinds: ['vulnerabilities'], cves: [] }, expirySeconds: 60 };
    const now = new Date('2026-11-22T10:00:00Z');
    const deployment = recordRemediation({ db, audit }, plan, details, now);
    const note = 'updateStrategy OnDelete: no pod is restarted';
    const statefulSet = recordRemediation(
      { db, audit },
      { ...plan, kind: 'StatefulSet', rolloutNote: note },
      details,
      now,
    );
    assert.equal(deployment.created && statefulSet.created, true);
    assert.equal(getRemediation({ db, audit }, deployment.remediation.id)?.kind, 'Deployment');
    assert.equal(getRemediation({ db, audit }, statefulSet.remediation.id)?.kind, 'StatefulSet');
    assert.equal(getRemediation({ db, audit }, statefulSet.remediation.id)?.rolloutNote, note);
    assert.equal(recordRemediation({ db, audit }, { ...plan, kind: 'StatefulSet' }, details, now).created, false);
  });
});
