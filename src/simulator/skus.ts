// The simulated tenant's subscriptions: real part numbers, SKU GUIDs and service plan ids taken from
// shared/data/ms-licensing-reference.csv (a subset of each SKU's plans: the ones that matter for usage reports).

export type Service = 'exchange' | 'onedrive' | 'sharepoint' | 'skype' | 'yammer' | 'teams';

export interface ServicePlan {
  servicePlanId: string;
  servicePlanName: string;
}

export interface SkuDef {
  skuId: string;
  skuPartNumber: string;
  /** Friendly name from the licensing CSV. */
  productName: string;
  /** How the usage reports spell the product in "Assigned Products". */
  reportName: string;
  servicePlans: readonly ServicePlan[];
  kind: 'paid' | 'free' | 'trial';
}

const P = (servicePlanName: string, servicePlanId: string): ServicePlan => ({ servicePlanId, servicePlanName });

const EXO_E = P('EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0');
const EXO_S = P('EXCHANGE_S_STANDARD', '9aaf7827-d63c-4b61-89c3-182f06f82e5c');
const EXO_F = P('EXCHANGE_S_FOUNDATION', '113feb6c-3fe4-4440-bddc-54d774bf0318');
const SPO_E = P('SHAREPOINTENTERPRISE', '5dbe027f-2339-4123-9542-606e4d348a72');
const SPO_S = P('SHAREPOINTSTANDARD', 'c7699d2e-19aa-44de-8edf-1736da088ca1');
const SPO_WAC = P('SHAREPOINTWAC', 'e95bec33-7c88-4a70-8e19-b10bd9d0c014');
const TEAMS = P('TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929');
const SKYPE = P('MCOSTANDARD', '0feaeb32-d00e-4d66-bd5a-43b5b83db82c');
const YAMMER = P('YAMMER_ENTERPRISE', '7547a3fe-08ee-4ccb-b430-5077c5041653');
const SWAY = P('SWAY', 'a23b959c-7ce8-4e57-9140-b90eb88a9e97');
const PLANNER = P('PROJECTWORKMANAGEMENT', 'b737dad2-2f6c-4c65-90e3-ca563267e8b9');
const APPS = P('OFFICESUBSCRIPTION', '43de0ff5-c92c-492b-9116-175376d08c38');
const RMS = P('RMS_S_ENTERPRISE', 'bea4c11e-220a-4e6d-8eb8-8ea15d019f90');
const FORMS_E3 = P('FORMS_PLAN_E3', '2789c901-c14e-48ab-a76a-be334d9d793a');
const FORMS_E5 = P('FORMS_PLAN_E5', 'e212cbc7-0961-4c40-9825-01117710dcb1');
const PBI_P2 = P('BI_AZURE_P2', '70d33638-9c74-4d01-bfd3-562de28bd4ba');
const PBI_P0 = P('BI_AZURE_P0', '2049e525-b859-401b-b2a0-e0a31c4b1fe4');
const AAD_P1 = P('AAD_PREMIUM', '41781fb2-bc02-4b7c-bd55-b576c07bb09d');
const AAD_P2 = P('AAD_PREMIUM_P2', 'eec0eb4f-6444-4f95-aba0-50c24d67f998');
const INTUNE = P('INTUNE_A', 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5');
const CDS_VIRAL = P('DYN365_CDS_VIRAL', '17ab22cd-a0b3-4536-910a-cb6eb12696c0');
const FLOW_VIRAL = P('FLOW_P2_VIRAL', '50e68c76-46c6-4674-81f9-75456511b170');
const FLOW_VIRAL_REAL = P('FLOW_P2_VIRAL_REAL', 'd20bfa21-e9ae-43fc-93c2-20783f0840c3');
const PAPPS_VIRAL = P('POWERAPPS_P2_VIRAL', 'd5368ca3-357e-4acb-9c21-8495fb025d1f');
const VISIO_CLIENT = P('VISIO_CLIENT_SUBSCRIPTION', '663a804f-1c30-4ff0-9915-9db84f0d1cea');
const VISIO_ONLINE = P('VISIOONLINE', '2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f');
const PROJECT_CLIENT = P('PROJECT_CLIENT_SUBSCRIPTION', 'fafd7243-e5c1-4a3a-9e40-495efcb1d3c3');
const PROJECT_SPO = P('SHAREPOINT_PROJECT', 'fe71d6c3-a2ea-4499-9778-da042bf08063');
const BOOKINGS_RM = P('O365_SB_Relationship_Management', '5bfe124c-bbdc-4494-8835-f1297d457d79');
const COPILOT_APPS = P('M365_COPILOT_APPS', 'a62f8878-de10-42f3-b68f-6149a25ceb97');
const COPILOT_CHAT = P('M365_COPILOT_BUSINESS_CHAT', '3f30311c-6b1e-48a4-ab79-725b469da960');
const COPILOT_TEAMS = P('M365_COPILOT_TEAMS', 'b95945de-b3bd-46db-8437-f2beb6ea2347');

export const SKUS: readonly SkuDef[] = [
  {
    skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965',
    skuPartNumber: 'SPE_E3',
    productName: 'Microsoft 365 E3',
    reportName: 'MICROSOFT 365 E3',
    kind: 'paid',
    servicePlans: [RMS, EXO_E, APPS, FORMS_E3, PLANNER, TEAMS, SPO_WAC, SPO_E, SKYPE, SWAY, YAMMER, AAD_P1, INTUNE],
  },
  {
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    productName: 'Microsoft 365 E5',
    reportName: 'MICROSOFT 365 E5',
    kind: 'paid',
    servicePlans: [RMS, EXO_E, APPS, FORMS_E5, PLANNER, TEAMS, SPO_WAC, PBI_P2, SPO_E, SKYPE, SWAY, YAMMER, AAD_P1, AAD_P2, INTUNE],
  },
  {
    skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
    skuPartNumber: 'ENTERPRISEPACK',
    productName: 'Office 365 E3',
    reportName: 'OFFICE 365 E3',
    kind: 'paid',
    servicePlans: [RMS, EXO_E, APPS, FORMS_E3, PLANNER, TEAMS, SPO_WAC, SPO_E, SKYPE, SWAY, YAMMER],
  },
  {
    skuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
    skuPartNumber: 'O365_BUSINESS_PREMIUM',
    productName: 'Microsoft 365 Business Standard',
    reportName: 'MICROSOFT 365 BUSINESS STANDARD',
    kind: 'paid',
    servicePlans: [EXO_S, PLANNER, TEAMS, SPO_WAC, BOOKINGS_RM, SPO_S, SKYPE, SWAY, YAMMER],
  },
  {
    skuId: '4b9405b0-7788-4568-add1-99614e613b69',
    skuPartNumber: 'EXCHANGESTANDARD',
    productName: 'Exchange Online (Plan 1)',
    reportName: 'EXCHANGE ONLINE (PLAN 1)',
    kind: 'paid',
    servicePlans: [EXO_S],
  },
  {
    skuId: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
    skuPartNumber: 'POWER_BI_PRO',
    productName: 'Power BI Pro',
    reportName: 'POWER BI PRO',
    kind: 'paid',
    servicePlans: [EXO_F, PBI_P2],
  },
  {
    skuId: 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235',
    skuPartNumber: 'POWER_BI_STANDARD',
    productName: 'Microsoft Fabric (Free)',
    reportName: 'POWER BI (FREE)',
    kind: 'free',
    servicePlans: [EXO_F, PBI_P0],
  },
  {
    skuId: 'f30db892-07e9-47e9-837c-80727f46fd3d',
    skuPartNumber: 'FLOW_FREE',
    productName: 'Microsoft Power Automate Free',
    reportName: 'Microsoft Power Automate Free',
    kind: 'free',
    servicePlans: [CDS_VIRAL, EXO_F, FLOW_VIRAL],
  },
  {
    skuId: 'dcb1a3ae-b33f-4487-846a-a640262fadf4',
    skuPartNumber: 'POWERAPPS_VIRAL',
    productName: 'Microsoft Power Apps Plan 2 Trial',
    reportName: 'Microsoft PowerApps Plan 2 Trial',
    kind: 'trial',
    servicePlans: [CDS_VIRAL, EXO_F, FLOW_VIRAL, FLOW_VIRAL_REAL, PAPPS_VIRAL],
  },
  {
    skuId: 'c5928f49-12ba-48f7-ada3-0d743a3601d5',
    skuPartNumber: 'VISIOCLIENT',
    productName: 'Visio Plan 2',
    reportName: 'VISIO ONLINE PLAN 2',
    kind: 'paid',
    servicePlans: [EXO_F, VISIO_CLIENT, VISIO_ONLINE],
  },
  {
    skuId: '53818b1b-4a27-454b-8896-0dba576410e6',
    skuPartNumber: 'PROJECTPROFESSIONAL',
    productName: 'Planner and Project Plan 3',
    reportName: 'PROJECT ONLINE PROFESSIONAL',
    kind: 'paid',
    servicePlans: [EXO_F, SPO_WAC, PROJECT_CLIENT, PROJECT_SPO, SPO_E],
  },
  // Appended last so the SKU indices above (and every generated assignment) stay as they were.
  {
    skuId: '639dec6b-bb19-468b-871c-c5c441c4b0cb',
    skuPartNumber: 'Microsoft_365_Copilot',
    productName: 'Microsoft Copilot for Microsoft 365',
    reportName: 'MICROSOFT 365 COPILOT',
    kind: 'paid',
    servicePlans: [COPILOT_APPS, COPILOT_CHAT, COPILOT_TEAMS],
  },
];

export const SKU_INDEX: ReadonlyMap<string, number> = new Map(SKUS.map((s, i) => [s.skuId, i]));
export const skuIndexByPart = (part: string): number => SKUS.findIndex((s) => s.skuPartNumber === part);

/** Which report service a service plan licenses (EXCHANGE_S_FOUNDATION is not an Exchange mailbox licence). */
const PLAN_SERVICES: Record<string, readonly Service[]> = {
  EXCHANGE_S_ENTERPRISE: ['exchange'],
  EXCHANGE_S_STANDARD: ['exchange'],
  SHAREPOINTENTERPRISE: ['sharepoint', 'onedrive'],
  SHAREPOINTSTANDARD: ['sharepoint', 'onedrive'],
  MCOSTANDARD: ['skype'],
  YAMMER_ENTERPRISE: ['yammer'],
  TEAMS1: ['teams'],
};

export const SERVICES: readonly Service[] = ['exchange', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'];

/** Bit mask (bit = index in SERVICES) of services a SKU licenses, minus disabled plans. */
const PLAN_MASK = new Map<string, number>();
const SKU_MASK = new Map<SkuDef, number>();

export function serviceMask(sku: SkuDef, disabledPlans: readonly string[]): number {
  if (disabledPlans.length === 0) {
    const cached = SKU_MASK.get(sku);
    if (cached !== undefined) return cached;
  }
  let m = 0;
  for (const p of sku.servicePlans) {
    if (disabledPlans.includes(p.servicePlanId)) continue;
    let pm = PLAN_MASK.get(p.servicePlanName);
    if (pm === undefined) {
      pm = 0;
      for (const s of PLAN_SERVICES[p.servicePlanName] ?? []) pm |= 1 << SERVICES.indexOf(s);
      PLAN_MASK.set(p.servicePlanName, pm);
    }
    m |= pm;
  }
  if (disabledPlans.length === 0) SKU_MASK.set(sku, m);
  return m;
}

/** Plans tenants commonly switch off on a suite licence. */
export const DISABLEABLE_PLANS: readonly string[] = [YAMMER.servicePlanId, SWAY.servicePlanId, SKYPE.servicePlanId, TEAMS.servicePlanId];
