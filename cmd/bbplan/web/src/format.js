// format.js formats numbers, money and small HTML fragments for the panels.

const intFmt = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 0 });
const decFmt = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 2 });

export function int(n) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : intFmt.format(n);
}

export function dec(n) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : decFmt.format(n);
}

export function sek(n) {
  return n === null || n === undefined ? '–' : intFmt.format(Math.round(n)) + ' kr';
}

const mkrFmt = new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// mkr writes an amount in million kronor, short enough for table columns.
export function mkr(n) {
  return n === null || n === undefined ? '–' : mkrFmt.format(n / 1e6) + ' Mkr';
}

export function pct(part, whole) {
  if (!whole) return '–';
  return decFmt.format((100 * part) / whole) + ' %';
}

export function share(x) {
  return x === null || x === undefined ? '–' : decFmt.format(100 * x) + ' %';
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function yesno(b) {
  return b ? '<span class="yes">yes</span>' : '<span class="no">no</span>';
}

// kv renders a definition list from [label, html] pairs.
export function kv(pairs) {
  return '<dl class="kv">' + pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('') + '</dl>';
}
