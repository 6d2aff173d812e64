// The warehouse: DuckDB schema (versioned migrations), bulk loads of staging directories, analyst views,
// and publishing the working database to the read-only file analysts open. Activities and the CLI use this API.
export type { AnonymizationVerdict, LoadCounts, LoadOptions, LoadResult, ReclamationEvent, RunRecord, RunStatus, WarehouseSettings } from './types';
export { DEFAULT_HISTORY_DAYS, DEFAULT_SETTINGS } from './types';
export { MalformedReportError, StagingError, WarehouseLockedError, WarehouseOutOfMemoryError } from './errors';
export { MalformedRowError } from './staging/row-errors';
export { validateStagedReports } from './staging/reports';
export { detectAnonymization, concealedMessage, type DetectOptions } from './staging/anonymization';
export { sampleAnonymization } from './staging/sample';
export { loadStagingDir } from './load/load';
export { recordRun, recordReclamationEvent, markPublishFailed, runStatus } from './records/runs';
export { getSettings, SETTING_COLUMNS, SETTING_KEYS, updateSettings, type SettingKey } from './admin/settings';
export { excludedSkuPartNumbers, exclusionFor, type ExclusionRule } from './rules/exclusion';
export { neverReclaimedSkuIds } from './rules/excluded-skus';
export { publish, sweepStalePublishCopies } from './publish/publish';
export { publishCovering, type PublishResult } from './publish/batched';
export { applyPrivateUmask, publishedAccess, PublishedAccessError } from './publish/file-modes';
export { runReadOnlyQuery, checkReadOnlySql, QueryRefusedError } from './query/readonly-query';
export { openReadOnly, closeWarehouse, withWriter, type ReadOnlyWarehouse, type QueryResult } from './db/handles';
export { MIGRATIONS, LICENSING_REFERENCE_CSV, DEFAULT_PRICES_CSV } from './schema/migrations';
export { importPrices, setPrice, parsePricesFile, type PriceRow, type SetPriceOptions } from './admin/prices';
export { importContracts, parseContractsFile, type ContractRow } from './admin/contracts';
export { AdminFileError, type LineProblem, BILLINGS, type Billing } from './admin/csv';
export { sumMoney, totalsByCurrency, totalsText, formatMoney, MixedCurrencyError, type Money } from './rules/money';
export { updateSignalSettings, INACTIVITY_SIGNALS, type InactivitySignal, type SignalSettings } from './admin/signal-settings';
export { sqlIdent, sqlString } from './db/sql';
export { readManifest } from './staging/manifest';
export { sha256OfFiles } from './staging/verify';
