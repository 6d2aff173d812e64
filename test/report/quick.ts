import { buildWarehouse } from './build-warehouse';
import { writeReport } from '../../src/report/index';
const w = await buildWarehouse({ spend: true });
console.log(await writeReport(w.published, '/tmp/h5-report.html'));
