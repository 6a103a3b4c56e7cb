import { createHash } from 'node:crypto';
import { Html, html } from './html.js';

/**
 * The page around the sections: one self-contained document. The Content-Security-Policy forbids
 * every fetch and every script, so the file opens offline and nothing in it can run. A site page may
 * carry one inline script (its filter box): the policy then allows that script alone, by its hash.
 */

const CSS = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --card: #ffffff; --bg: #f3f4f6; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
header { background: #111827; color: #f9fafb; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; letter-spacing: .2px; }
header p { margin: 0; color: #d1d5db; }
header code { color: #f9fafb; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(135px, 1fr)); gap: 12px; margin-bottom: 20px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.kpi b { display: block; font-size: 26px; font-variant-numeric: tabular-nums; }
.kpi span { color: var(--muted); font-size: 12px; }
.kpi.warn { border-left: 4px solid #D55E00; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-bottom: 16px; min-width: 0; }
section h2 { margin: 0 0 4px; font-size: 17px; }
section > p.lead { margin: 0 0 10px; color: var(--muted); }
svg.chart { display: block; width: 100%; height: auto; max-width: 640px; margin: 4px 0 8px; }
svg.chart text { fill: var(--ink); font-family: inherit; }
svg.chart text.tick { fill: var(--muted); font-size: 11px; }
svg.chart text.value { font-size: 11px; font-variant-numeric: tabular-nums; }
svg.chart line.grid { stroke: var(--line); }
svg.chart line.axis { stroke: #9ca3af; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; padding: 0; font-size: 12px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
div.scroll { overflow-x: auto; }
.split { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 540px), 1fr)); gap: 24px; align-items: start; }
.split > div { min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin-top: 6px; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { white-space: nowrap; }
td.nil { color: var(--muted); text-align: center; }
th { background: #f9fafb; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.day { white-space: nowrap; }
details summary { cursor: pointer; color: var(--accent); font-size: 12.5px; margin-top: 4px; }
p.empty, p.note { color: var(--muted); margin: 6px 0; }
footer { color: var(--muted); font-size: 12px; max-width: 1240px; margin: 0 auto; padding: 0 24px 32px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
`;

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** The CSP source that allows exactly this inline script (CSP Level 2 hash-source: sha256 of its text, base64). */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/** `nav` goes above the title (links between site pages); `script` is inlined at the end of the body. */
export function page(o: { title: string; subtitle: Html; body: Html[]; footer: Html; nav?: Html; script?: string }): Html {
  const policy = o.script === undefined ? POLICY : `${POLICY}; script-src ${scriptHash(o.script)}`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${new Html(policy)}">
<meta name="generator" content="lapse report">
<title>${o.title}</title>
<style>${new Html(o.nav ? CSS + NAV_CSS : CSS)}</style>
</head>
<body>
<header>${o.nav ?? ''}<h1>${o.title}</h1><p>${o.subtitle}</p></header>
<main>
${o.body}
</main>
<footer>${o.footer}</footer>
${o.script === undefined ? '' : html`<script>${new Html(o.script)}</script>\n`}</body>
</html>
`;
}

const NAV_CSS = `
header nav { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 10px; font-size: 13px; }
header nav a { color: #93c5fd; text-decoration: none; }
header nav a:hover, header nav a[aria-current] { color: #f9fafb; text-decoration: underline; }
main a { color: var(--accent); }
.filter { display: flex; align-items: center; gap: 10px; margin: 0 0 14px; }
.filter input { font: inherit; padding: 6px 10px; border: 1px solid #9ca3af; border-radius: 6px; width: min(420px, 100%); }
.filter output { color: var(--muted); font-size: 12px; }
pre.cmd { background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin: 4px 0;
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
`;

export interface Section {
  id: string;
  title: string;
  lead: string;
  content: (Html | string)[];
}

export function section(s: Section): Html {
  return html`<section id="${s.id}" aria-labelledby="${s.id}-h"><h2 id="${s.id}-h">${s.title}</h2><p class="lead">${s.lead}</p>
${s.content}</section>\n`;
}

export function kpi(label: string, value: string, warn = false): Html {
  return html`<div class="kpi${warn ? ' warn' : ''}"><b>${value}</b><span>${label}</span></div>`;
}

/** Two columns in a full-width section: charts on the left, a wide table on the right (one column when narrow). */
export function split(left: (Html | string)[], right: (Html | string)[]): Html {
  return html`<div class="split"><div>${left}</div><div>${right}</div></div>`;
}

/** A data table folded under its chart: the numbers, for screen readers and for copying. */
export function fallback(table: Html, open = false): Html {
  return open ? table : html`<details><summary>Show the numbers</summary>${table}</details>`;
}
