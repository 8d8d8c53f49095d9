// table.js renders sortable tables and writes them as CSV.
import { esc } from './format.js';

// A column is {key, label, value(row) -> sortable value, html(row) -> cell
// HTML, num: right-aligned}. renderTable keeps its sort state in the element.
// current (a value or a function returning one) marks the row with that id.
export function renderTable(el, columns, rows, { onRow, rowId, current: currentOpt, sort } = {}) {
  const current = typeof currentOpt === 'function' ? currentOpt() : currentOpt;
  const state = el.bbplanSort || sort || { key: null, dir: 1 };
  el.bbplanSort = state;
  const sorted = sortRows(columns, rows, state);
  const head = columns.map((c) => {
    const aria = state.key === c.key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none';
    return `<th class="sortable${c.num ? ' num' : ''}" data-key="${esc(c.key)}" aria-sort="${aria}" scope="col">${esc(c.label)}</th>`;
  }).join('');
  const body = sorted.map((r) => {
    const id = rowId ? rowId(r) : '';
    const cls = [onRow ? 'clickable' : '', current !== undefined && current !== null && String(current) === String(id) ? 'current' : ''].join(' ').trim();
    const cells = columns.map((c) => `<td${c.num ? ' class="num"' : ''}>${c.html ? c.html(r) : esc(c.value(r))}</td>`).join('');
    return `<tr data-id="${esc(id)}" class="${cls}"${onRow ? ' tabindex="0"' : ''}>${cells}</tr>`;
  }).join('');
  el.innerHTML = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  el.querySelectorAll('th.sortable').forEach((th) => {
    th.addEventListener('click', () => {
      const key = th.dataset.key;
      state.dir = state.key === key ? -state.dir : 1;
      state.key = key;
      renderTable(el, columns, rows, { onRow, rowId, current: currentOpt });
    });
  });
  if (onRow) {
    el.querySelectorAll('tbody tr').forEach((tr) => {
      tr.addEventListener('click', () => onRow(tr.dataset.id));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          onRow(tr.dataset.id);
        }
      });
    });
  }
  return sorted;
}

export function sortRows(columns, rows, { key, dir }) {
  const col = columns.find((c) => c.key === key);
  if (!col) return rows.slice();
  return rows.slice().sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    // Empty values sort last in both directions.
    if (x === null || x === undefined || x === '') return y === null || y === undefined || y === '' ? 0 : 1;
    if (y === null || y === undefined || y === '') return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'sv')) * dir;
  });
}

function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function toCSV(columns, rows) {
  const lines = [columns.map((c) => csvField(c.csvLabel || c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.csv ? c.csv(r) : c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function download(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
