import { DuckDBInstance, listValue } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
async function q(s,p){ try { const r = await c.runAndReadAll(s,p); console.log(s.slice(0,150)); console.log(r.getRowObjectsJS()); } catch(e){ console.log('ERR', s.slice(0,80), e.message.slice(0,400));} }
await q(`create temp table rows as select t.*, to_json(t)::VARCHAR raw from (select * from read_csv($file, header=true, all_varchar=true, filename=true, delim=',', store_rejects=true, rejects_table='rej', rejects_scan='scans') with ordinality) t`, {file: '/tmp/x/c1.csv'});
await q(`select * from rows`);
await q(`select * from rej`);
await q(`describe select * from read_csv($file, header=true, all_varchar=true, delim=',')`, {file: '/tmp/x/c2.csv'});
