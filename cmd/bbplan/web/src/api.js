// api.js talks to the bbplan JSON API (/api/v1, see API.md) with the
// signed-in token. Errors carry the server's {"error": {...}} body.

const TOKEN_KEY = 'bbplan.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders() {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.parameter = e.parameter;
  }
}

// query builds a query string from an object, leaving out empty values so
// that the server's defaults apply.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export async function get(path, params) {
  const res = await fetch(path + query(params), { headers: { Accept: 'application/json', ...authHeaders() } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

// getAll follows the `next` links of a paged list endpoint and concatenates
// the items under key, stopping at max items so a huge run cannot freeze the page.
export async function getAll(path, params, key, max = 5000) {
  let page = await get(path, params);
  const items = [...(page[key] || [])];
  while (page.next && items.length < max) {
    page = await get(page.next);
    items.push(...(page[key] || []));
  }
  return { items, total: page.total ?? items.length };
}
