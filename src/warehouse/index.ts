// The warehouse: DuckDB schema (versioned migrations), bulk loads of staging directories, analyst views,
// and publishing the working database to the read-only file analysts open. Activities and the CLI use this API.
export type {
  AnonymizationVerdict,
  LoadCounts,
  LoadOptions,
  LoadResult,
  ReclamationEvent,
  RunRecord,
  RunStatus,
  WarehouseSettings,
} from './types';
export { DEFAULT_HISTORY_DAYS, DEFAULT_SETTINGS } from './types';
export { MalformedReportError, StagingError, WarehouseLockedError, WarehouseOutOfMemoryError } from './errors';
export { MalformedRowError } from './row-errors';
export { validateStagedReports } from './reports';
export { detectAnonymization, concealedMessage, type DetectOptions } from './anonymization';
export { sampleAnonymization } from './sample';
export { loadStagingDir } from './load';
export { recordRun, recordReclamationEvent, markPublishFailed, runStatus } from './runs';
export { getSettings, SETTING_COLUMNS, SETTING_KEYS, updateSettings, type SettingKey } from './settings';
export { excludedSkuPartNumbers, exclusionFor, type ExclusionRule } from './exclusion';
export { neverReclaimedSkuIds } from './excluded-skus';
export { publish, sweepStalePublishCopies } from './publish';
export { applyPrivateUmask, publishedAccess, PublishedAccessError } from './permissions';
export { runReadOnlyQuery, checkReadOnlySql, QueryRefusedError } from './readonly-query';
export { openReadOnly, closeWarehouse, withWriter, type ReadOnlyWarehouse, type QueryResult } from './db';
export { MIGRATIONS, LICENSING_REFERENCE_CSV, DEFAULT_PRICES_CSV } from './migrations';
export { importPrices, setPrice, parsePricesFile, type PriceRow, type SetPriceOptions } from './prices';
export { importContracts, parseContractsFile, type ContractRow } from './contracts';
export { AdminFileError, type LineProblem } from './admin-csv';
export { sumMoney, totalsByCurrency, formatMoney, MixedCurrencyError, type Money } from './money';
export { updateSignalSettings, INACTIVITY_SIGNALS, type InactivitySignal, type SignalSettings } from './signal-settings';
