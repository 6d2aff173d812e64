// Migration 11, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// The shipped list prices (data/prices.csv, loaded by migration 5) and the admin's own prices shared one table with
// nothing to tell them apart, so an admin's price in another currency clashed with the list price of the same SKU.
// `list_price` marks the shipped rows (all-tenant rows whose source is the one data/prices.csv gives that SKU); the
// money views rank contract, the tenant's price, the admin's all-tenant price, then the list price.

export const name = 'list prices apart from the admin prices';

export const sql = `
ALTER TABLE prices ADD COLUMN list_price BOOLEAN DEFAULT false;
UPDATE prices SET list_price = false;
UPDATE prices SET list_price = true
WHERE tenant_id IS NULL AND EXISTS (
  SELECT 1 FROM read_csv({{ data_file('prices.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'sku_part_number': 'VARCHAR', 'currency': 'VARCHAR', 'unit_price_monthly': 'DECIMAL(18,4)', 'billing': 'VARCHAR', 'effective_from': 'DATE', 'effective_to': 'DATE', 'tenant': 'VARCHAR', 'source': 'VARCHAR', 'retrieved_on': 'DATE'}) shipped
  WHERE trim(shipped.sku_part_number) = prices.sku_part_number AND shipped.source IS NOT DISTINCT FROM prices.source);
`;
