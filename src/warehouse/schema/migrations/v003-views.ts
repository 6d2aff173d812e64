// Migration 3, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Version 3 created the first analyst views (service_activity, latest_snapshot, latest_activity_snapshot,
// tenant_settings, license_utilization, user_last_activity, inactive_licensed_evaluation, inactive_licensed_users,
// inactive_licensed_users_excluded, activity_by_license, rightsizing_candidates, license_utilization_history).
// Every one of them is a model now (src/warehouse/models), recreated after the migrations on every writer open,
// so a new warehouse creates nothing here. Warehouses that applied the old text keep those views until the
// models replace them at the next open; the upgrade tests build such a warehouse from the text as it shipped
// (test/support/v003-views-as-shipped.ts). This is the one released text that changed: dropping a dead copy
// changes nothing a warehouse holds after its next open, whichever text it applied.

export const name = 'views';

export const sql = ``;
