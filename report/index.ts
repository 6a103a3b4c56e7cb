/**
 * report: reads the lake's run summaries (runs/), the newest run's findings and grants snapshots, and the
 * revocation and restore records; writes nothing itself — it returns one self-contained HTML page.
 */
export { buildReport, LIMITS, type ReportData } from './data.js';
export { renderReport } from './render.js';
