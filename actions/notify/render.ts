import { MAX_BULLETS, type Line, type Message, type Section } from './messages.js';

/**
 * A message in each form a transport sends: plain text, HTML and Slack Block Kit (mrkdwn). Spans between
 * backticks are code in all three. Slack's limits: a header holds 150 characters, a section 3,000, a message
 * 50 blocks (https://api.slack.com/reference/block-kit/blocks).
 */

const shown = (s: Section): { bullets: Line[]; more: number } => ({ bullets: s.bullets.slice(0, MAX_BULLETS), more: Math.max(0, s.bullets.length - MAX_BULLETS) });
const moreText = (n: number) => `…and ${n} more.`;

export function toText(m: Message): string {
  const out = [m.greeting, ''];
  for (const s of m.sections) {
    const { bullets, more } = shown(s);
    out.push(s.title.toUpperCase(), ...(s.intro ? [s.intro] : []));
    for (const b of bullets) out.push(`  - ${b.text}${b.link ? ` (${b.link.label}: ${b.link.url})` : ''}`);
    if (more) out.push(`  ${moreText(more)}`);
    out.push(...s.after, '');
  }
  out.push('-- ', m.footer);
  return `${out.join('\n')}\n`;
}

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
/** Escaped text with its `code` spans as <code>. */
const html = (s: string) => s.split('`').map((part, i) => (i % 2 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part))).join('');

export function toHtml(m: Message): string {
  const out = ['<!doctype html>', '<html><head><meta charset="utf-8"><title>' + escapeHtml(m.subject) + '</title></head>', '<body style="font-family: sans-serif; line-height: 1.4">', `<p>${html(m.greeting)}</p>`];
  for (const s of m.sections) {
    const { bullets, more } = shown(s);
    out.push(`<h3>${html(s.title)}</h3>`, ...(s.intro ? [`<p>${html(s.intro)}</p>`] : []), '<ul>');
    for (const b of bullets) out.push(`<li>${html(b.text)}${b.link ? ` — <a href="${escapeHtml(b.link.url)}">${escapeHtml(b.link.label)}</a>` : ''}</li>`);
    if (more) out.push(`<li>${moreText(more)}</li>`);
    out.push('</ul>', ...s.after.map((p) => `<p>${html(p)}</p>`));
  }
  out.push(`<p style="color: #666">${html(m.footer)}</p>`, '</body></html>');
  return `${out.join('\n')}\n`;
}

/** Slack mrkdwn escapes only these three (https://api.slack.com/reference/surfaces/formatting#escaping). */
const mrkdwn = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

const SECTION_MAX = 3000;

export function toBlocks(m: Message): Block[] {
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: cut(m.subject.replace(/^\[lapse\] /, ''), 150) } }];
  const section = (text: string) => chunks(text).forEach((t) => blocks.push({ type: 'section', text: { type: 'mrkdwn', text: t } }));
  section(mrkdwn(m.greeting));
  for (const s of m.sections) {
    const { bullets, more } = shown(s);
    const lines = [`*${mrkdwn(s.title)}*`, ...(s.intro ? [mrkdwn(s.intro)] : [])];
    for (const b of bullets) lines.push(`• ${mrkdwn(b.text)}${b.link ? ` <${b.link.url}|${mrkdwn(b.link.label)}>` : ''}`);
    if (more) lines.push(moreText(more));
    section(lines.join('\n'));
    for (const p of s.after) section(mrkdwn(p));
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(mrkdwn(m.footer), SECTION_MAX) }] });
  return blocks.slice(0, 50);
}

/** A section's text in pieces of at most 3,000 characters, cut at line ends where it can be. */
function chunks(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= SECTION_MAX) current = next;
    else {
      if (current) out.push(current);
      current = cut(line, SECTION_MAX);
    }
  }
  if (current) out.push(current);
  return out;
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
