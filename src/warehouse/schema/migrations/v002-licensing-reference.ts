// Migration 2, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Microsoft's licensing reference (SKU and service-plan names, from data/ms-licensing-reference.csv) and the premium
// suites worth a cheaper licence when their holder only uses mail. `{{ data_file('…') }}` names a file in data/.

export const name = 'licensing reference';

export const sql = `
CREATE TABLE sku_reference AS
  SELECT lower(trim(GUID)) AS sku_id, any_value(trim(String_Id)) AS sku_part_number, any_value(trim(Product_Display_Name)) AS product_name
  FROM read_csv({{ data_file('ms-licensing-reference.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'Product_Display_Name': 'VARCHAR', 'String_Id': 'VARCHAR', 'GUID': 'VARCHAR', 'Service_Plan_Name': 'VARCHAR',
               'Service_Plan_Id': 'VARCHAR', 'Service_Plans_Included_Friendly_Names': 'VARCHAR'}) WHERE GUID IS NOT NULL GROUP BY ALL;
CREATE TABLE service_plan_reference AS
  SELECT DISTINCT lower(trim(GUID)) AS sku_id, lower(trim(Service_Plan_Id)) AS service_plan_id,
         trim(Service_Plan_Name) AS service_plan_name, trim(Service_Plans_Included_Friendly_Names) AS service_plan_friendly_name
  FROM read_csv({{ data_file('ms-licensing-reference.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'Product_Display_Name': 'VARCHAR', 'String_Id': 'VARCHAR', 'GUID': 'VARCHAR', 'Service_Plan_Name': 'VARCHAR',
               'Service_Plan_Id': 'VARCHAR', 'Service_Plans_Included_Friendly_Names': 'VARCHAR'}) WHERE GUID IS NOT NULL;
-- Suites whose holders are worth a cheaper licence when they only use mail (rightsizing_candidates).
CREATE TABLE premium_skus (sku_part_number VARCHAR PRIMARY KEY, suggestion VARCHAR);
INSERT INTO premium_skus VALUES
  ('SPE_E3', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('SPE_E5', 'Exchange Online (Plan 1) or Microsoft 365 F3'),
  ('SPE_E5_NOPSTNCONF', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('ENTERPRISEPACK', 'Exchange Online (Plan 1)'),
  ('ENTERPRISEPREMIUM', 'Exchange Online (Plan 1)'), ('ENTERPRISEPREMIUM_NOPSTNCONF', 'Exchange Online (Plan 1)'),
  ('ENTERPRISEWITHSCAL', 'Exchange Online (Plan 1)'), ('Microsoft_365_E3', 'Exchange Online (Plan 1) or Microsoft 365 F3'),
  ('Microsoft_365_E5', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('O365_w/o_Teams_Bundle_M3', 'Exchange Online (Plan 1)'),
  ('O365_w/o_Teams_Bundle_M5', 'Exchange Online (Plan 1)'), ('Office_365_E3_(no_Teams)', 'Exchange Online (Plan 1)'),
  ('Office_365_E5_(no_Teams)', 'Exchange Online (Plan 1)'), ('SPB', 'Exchange Online (Plan 1) or Microsoft 365 Business Basic'),
  ('O365_BUSINESS_PREMIUM', 'Microsoft 365 Business Basic');
`;
