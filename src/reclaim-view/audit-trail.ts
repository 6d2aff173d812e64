// The decisions on one reclamation as the audit table (published warehouse) records them: who asked, approved or
// rejected, when, and the reason or comment they gave (text that is kept only there, never in workflow history).
import { existsSync } from 'node:fs';
import { openReadOnly } from '../warehouse/index';

export interface AuditLine {
  event: string;
  at: string;
  actor: string | null;
  actorUpn: string | null;
  text: string | null;
  outcome: string | null;
}

export async function auditTrail(dbPath: string, workflowId: string, limit = 100): Promise<AuditLine[]> {
  if (!existsSync(dbPath)) return [];
  try {
    const db = await openReadOnly(dbPath);
    try {
      const r = await db.query(
        `SELECT event, "at"::VARCHAR AS at, actor, actor_upn, reason, outcome FROM reclamations WHERE workflow_id = $1 ORDER BY "at" DESC, event LIMIT $2`,
        [workflowId, limit],
      );
      return r.rows.map((row) => ({
        event: String(row.event),
        at: String(row.at),
        actor: row.actor === null ? null : String(row.actor),
        actorUpn: row.actor_upn === null ? null : String(row.actor_upn),
        text: row.reason === null ? null : String(row.reason),
        outcome: row.outcome === null ? null : String(row.outcome),
      }));
    } finally {
      db.close();
    }
  } catch {
    // The page comes from Temporal; the audit lines are shown when the file is readable.
    return [];
  }
}
