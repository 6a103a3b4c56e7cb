/**
 * detect: reads the as-of tables loaded by aggregate (grants, last use, sources, people) and the
 * previous run's findings; writes the findings document (lake: findings/ and runs/).
 */
export { detect, loadFindings, type Detection } from './detect.js';
export { allowBlastRadius, overrideLine, recordedOverrides, recordOverrides, type AllowBlastRadius } from './guards.js';
export { explain, type Explanation } from './explain.js';
export { history, type HistoryEvent } from './history.js';
export { suggestTtl, decide, SUGGEST_RULES, TtlSuggestion, type RhythmStats } from './suggest.js';
export { backtest, BacktestRow, BacktestTtl } from './backtest.js';
