import { daysBetween, type Day } from '../core/days.js';
import { fmt, html, type Html } from './html.js';

/**
 * Hand-written SVG charts: horizontal stacked bars and a line over days. Each chart is an
 * `<svg role="img">` with a title and a description naming what it shows; the numbers are in the
 * table the caller puts under it. Text is escaped by `html`.
 */

export interface Series {
  name: string;
  color: string;
}

const WIDTH = 580;
const FONT = 12;
/** A rough width of one character at 12px, for laying out labels without a browser. */
const CHAR = 7.2;

/** The smallest "nice" axis end at or above `max`, with a whole-number tick step of 1, 2 or 5 × 10^k. */
export function niceScale(max: number, ticks = 5): { end: number; step: number } {
  if (!(max > 0)) return { end: 1, step: 1 };
  const raw = Math.max(1, max / ticks);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  return { end: Math.ceil(max / step) * step, step };
}

/** Shortens a label in the middle (both ends of `aws · 123456789012/DataEngineer` say something); the full one is in its tooltip. */
const truncate = (label: string, chars: number) => {
  if (label.length <= chars) return label;
  const head = Math.ceil((chars - 1) / 3);
  return `${label.slice(0, head)}…${label.slice(label.length - (chars - 1 - head))}`;
};

/** `id` ties the svg to its title and description: unique within the page. */
function frame(id: string, title: string, desc: string, height: number, body: Html[]): Html {
  return html`<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg" font-size="${FONT}">
<title id="${id}-t">${title}</title><desc id="${id}-d">${desc}</desc>
${body}</svg>`;
}

/** The legend: a swatch and a name per series, as HTML above the chart. */
export function legend(series: Series[]): Html {
  return html`<ul class="legend" aria-hidden="true">${series.map(
    (s) => html`<li><span class="swatch" style="background:${s.color}"></span>${s.name}</li>`,
  )}</ul>`;
}

export interface BarRow {
  label: string;
  /** One value per series, in the order of `series`. */
  values: number[];
  /** Text after the bar; the row total when omitted. */
  note?: string;
}

/**
 * Horizontal bars, one row per category, each split into its series (stacked left to right).
 * Each segment has a tooltip (`<title>`) with its series, category and value.
 */
export function stackedBars(o: { id: string; title: string; desc: string; series: Series[]; rows: BarRow[] }): Html {
  const labelChars = Math.min(28, Math.max(6, ...o.rows.map((r) => r.label.length)));
  const left = Math.round(labelChars * CHAR) + 12;
  const notes = o.rows.map((r) => r.note ?? fmt(r.values.reduce((a, b) => a + b, 0)));
  const right = Math.round(Math.max(3, ...notes.map((n) => n.length)) * CHAR) + 14;
  const rowH = 26;
  const top = 8;
  const plotW = WIDTH - left - right;
  const { end, step } = niceScale(Math.max(0, ...o.rows.map((r) => r.values.reduce((a, b) => a + b, 0))));
  const x = (v: number) => left + (v / end) * plotW;
  const height = top + o.rows.length * rowH + 24;
  const axisY = top + o.rows.length * rowH;
  const grid: Html[] = [];
  for (let v = 0; v <= end; v += step) {
    grid.push(html`<line class="grid" x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${axisY}"/>`);
    grid.push(html`<text class="tick" x="${x(v).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  const bars = o.rows.map((r, i) => {
    const y = top + i * rowH + 5;
    let acc = 0;
    const segments = r.values.map((v, j) => {
      if (v <= 0) return html``;
      const s = o.series[j]!;
      const x0 = x(acc);
      acc += v;
      return html`<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1, x(acc) - x0).toFixed(1)}" height="16" fill="${s.color}"><title>${s.name} · ${r.label}: ${fmt(v)}</title></rect>`;
    });
    return html`<g class="row"><text x="${left - 8}" y="${y + 12}" text-anchor="end">${truncate(r.label, labelChars)}<title>${r.label}</title></text>
${segments}<text class="value" x="${(x(acc) + 6).toFixed(1)}" y="${y + 12}">${notes[i]!}</text></g>\n`;
  });
  return html`${legend(o.series)}${frame(o.id, o.title, o.desc, height, [...grid, html`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${axisY}"/>`, ...bars])}`;
}

export interface LineSeries extends Series {
  values: number[];
  /** Drawn thicker (the total). */
  strong?: boolean;
}

/**
 * Lines over days (the runs), x spaced by calendar days so irregular runs read true. A single run
 * is a row of points: a trend needs two.
 */
export function lineChart(o: { id: string; title: string; desc: string; days: Day[]; series: LineSeries[] }): Html {
  const left = 48;
  const right = 16;
  const top = 12;
  const plotH = 200;
  const height = top + plotH + 40;
  const span = o.days.length > 1 ? daysBetween(o.days[0]!, o.days.at(-1)!) : 0;
  const plotW = WIDTH - left - right;
  const x = (d: Day) => (span === 0 ? left + plotW / 2 : left + (daysBetween(o.days[0]!, d) / span) * plotW);
  const { end, step } = niceScale(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const y = (v: number) => top + plotH - (v / end) * plotH;
  const parts: Html[] = [];
  for (let v = 0; v <= end; v += step) {
    parts.push(html`<line class="grid" x1="${left}" x2="${WIDTH - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(html`<text class="tick" x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  // Day labels: every run when they fit, else evenly thinned (first and last always shown).
  const every = Math.max(1, Math.ceil(o.days.length / 8));
  o.days.forEach((d, i) => {
    if (i % every !== 0 && i !== o.days.length - 1) return;
    const anchor = o.days.length > 1 && i === 0 ? 'start' : o.days.length > 1 && i === o.days.length - 1 ? 'end' : 'middle';
    parts.push(html`<text class="tick" x="${x(d).toFixed(1)}" y="${top + plotH + 18}" text-anchor="${anchor}">${d}</text>`);
  });
  parts.push(html`<line class="axis" x1="${left}" x2="${WIDTH - right}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  for (const s of o.series) {
    const points = s.values.map((v, i) => [x(o.days[i]!), y(v)] as const);
    const width = s.strong ? 3 : 2;
    if (points.length > 1) {
      const d = points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
      parts.push(html`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${width}" stroke-linejoin="round"/>`);
    }
    s.values.forEach((v, i) => {
      const [px, py] = points[i]!;
      parts.push(html`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${width + 1.5}" fill="${s.color}"><title>${s.name} · ${o.days[i]!}: ${fmt(v)}</title></circle>`);
    });
  }
  return html`${legend(o.series)}${frame(o.id, o.title, o.desc, height, parts)}`;
}
