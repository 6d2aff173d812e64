// Custom search attributes of the reclaimLicenses workflow: what the approver's inbox (`reclaim list`) filters
// on in Temporal visibility. Ids and states only, never a UPN or a name. A server must have them registered:
// `dev` and the tests' server register them at start (--search-attribute), production with
// `temporal operator search-attribute create` (docs/reclamation.md, "Approver's inbox").
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TENANT_ATTR = defineSearchAttributeKey('M365TenantId', SearchAttributeType.KEYWORD);
/** The reclamation's status (awaiting_approval, executed, …), upserted by the workflow on every change. */
export const RECLAIM_STATE_ATTR = defineSearchAttributeKey('M365ReclaimState', SearchAttributeType.KEYWORD);
/** Who asked: the object id of their verified sign-in (the lab mode's opaque stand-in otherwise), never a name. */
export const REQUESTER_ATTR = defineSearchAttributeKey('M365RequesterId', SearchAttributeType.KEYWORD);
/** How many directly assigned SKUs the reclamation removes on approval (its scope). */
export const SCOPE_ATTR = defineSearchAttributeKey('M365ReclaimSkuCount', SearchAttributeType.INT);

export const CUSTOM_SEARCH_ATTRIBUTES = [TENANT_ATTR, RECLAIM_STATE_ATTR, REQUESTER_ATTR, SCOPE_ATTR] as const;

/** Temporal CLI spelling of each attribute's type (`--search-attribute Name=Keyword`, `--type Keyword`). */
export const cliTypeOf = (type: SearchAttributeType): string =>
  ({ KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' })[type];
