// Free and viral SKUs: offers a user signs up to on their own (Microsoft Fabric (Free), Power Automate Free, Teams
// Exploratory, the Power Apps and Power Virtual Agents "viral" trials...). A tenant shows them with huge seat counts
// (a million free Fabric seats is common), which would swamp every paid bar and every total, and they cost
// nothing: the report shows them apart. A SKU is free when its price is zero or it is one of these offers.

/** Part numbers of Microsoft's free, self-service and viral offers (from Microsoft's licensing reference names). */
export const FREE_SKU_PART_NUMBERS: ReadonlySet<string> = new Set<string>([
  'POWER_BI_STANDARD', // Microsoft Fabric (Free)
  'FLOW_FREE', // Microsoft Power Automate Free
  'POWERAPPS_VIRAL', // Microsoft Power Apps Plan 2 Trial
  'POWERAPPS_DEV', // Microsoft Power Apps for Developer
  'POWERAPPS_INDIVIDUAL_USER', // Power Apps and Logic Flows
  'POWER_BI_INDIVIDUAL_USER', // Power BI for Office 365 Individual
  'TEAMS_EXPLORATORY', // Microsoft Teams Exploratory
  'TEAMS_FREE', // Microsoft Teams (Free)
  'CCIBOTS_PRIVPREV_VIRAL', // Power Virtual Agents Viral Trial
  'FORMS_PRO', // Dynamics 365 Customer Voice Trial
  'DYN365_ENTERPRISE_P1_IW', // Dynamics 365 P1 Trial for Information Workers
  'PROJECT_MADEIRA_PREVIEW_IW_SKU', // Dynamics 365 Business Central for IWs
  'SPZA_IW', // App Connect IW
  'STREAM', // Microsoft Stream Trial
  'WINDOWS_STORE', // Windows Store for Business
  'MICROSOFT_BUSINESS_CENTER', // Microsoft Business Center
  'RIGHTSMANAGEMENT_ADHOC', // Rights Management Adhoc
]);

/** Naming patterns of viral and free offers not listed above. */
const FREE_PATTERN = /(_VIRAL$|_FREE$|^FREE_|_VIRAL_|EXPLORATORY)/i;

/** True for a free or viral SKU: a known offer, a free-offer name, or a price of zero. */
export function isFreeSku(partNumber: string | null | undefined, unitPriceMonthly: number | null | undefined): boolean {
  if (unitPriceMonthly === 0) return true;
  if (!partNumber) return false;
  return FREE_SKU_PART_NUMBERS.has(partNumber.toUpperCase()) || FREE_PATTERN.test(partNumber);
}
