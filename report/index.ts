/**
 * report: reads the lake's run summaries (runs/), the newest run's findings and grants snapshots, and the
 * revocation and restore records; writes nothing itself — it returns one self-contained HTML page, or
 * the expiring-access site's pages one by one (with detect's judgement of every grant, which the caller loads).
 */
export { buildReport, LIMITS, type ReportData } from './data.js';
export { renderReport } from './render.js';
export { buildSite, type SiteData } from './site/data.js';
export { renderSite, MANIFEST, GENERATOR } from './site/render.js';
export { rightsizePage, type RightsizeView } from './site/rightsize.js';
