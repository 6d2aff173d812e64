// Every warehouse migration, in the order they run. Each file holds its SQL as literal text, frozen once released:
// a migration never reads today's constants, so an old one cannot change when they do. To change a table, add the
// next file here (and its hash to test/warehouse/schema/migrations-frozen.test.ts); never edit an applied one.
import * as v001 from './v001-tables';
import * as v002 from './v002-licensing-reference';
import * as v003 from './v003-views';
import * as v004 from './v004-reclamation-identity';
import * as v005 from './v005-spend';
import * as v006 from './v006-sign-in-activity';
import * as v007 from './v007-history-partitions';
import * as v008 from './v008-settings-cli';
import * as v009 from './v009-marts-due';
import * as v010 from './v010-sign-ins-apart';
import * as v011 from './v011-price-levels';
import * as v012 from './v012-reclaim-notice-settings';

export interface FrozenMigration {
  version: number;
  name: string;
  /** The SQL as released; `{{ data_file('<name>') }}` stands for the quoted path of data/<name> on this machine. */
  text: string;
}

export const FROZEN_MIGRATIONS: readonly FrozenMigration[] = [v001, v002, v003, v004, v005, v006, v007, v008, v009, v010, v011, v012].map((m, i) => ({
  version: i + 1,
  name: m.name,
  text: m.sql,
}));
