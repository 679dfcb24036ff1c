// Data and webhooks: browse and search each vendor's records in the
// session (GET …/{vendor}/{collection}, described by GET /collections, so
// any vendor works), with the logins they need masked until "Show secrets" is
// ticked; and the session's webhook deliveries with their attempts and a
// redeliver button.

import { api } from './api.js';
import { state, h, replace, toast, every, maskDeep, secretKey, MASK, clock, pretty, statusClass, statusText } from './util.js';

const $ = (id) => document.getElementById(id);
const LIMIT = 20;
let offset = 0;
let total = 0;
let page = null; // the last answer, to repaint when "Show secrets" changes
let searchTimer = 0;

export function startData() {
  const sel = $('data-collection');
  for (const c of state.collections) sel.append(h('option', { value: `${c.vendor}/${c.name}` }, `${c.vendorTitle} ${c.name}`));
  sel.addEventListener('change', () => { offset = 0; labelSearch(); loadData(); });
  $('data-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { offset = 0; loadData(); }, 250);
  });
  $('data-secrets').addEventListener('change', paintData);
  $('data-form').addEventListener('submit', (ev) => { ev.preventDefault(); offset = 0; loadData(); });
  $('data-prev').addEventListener('click', () => { offset = Math.max(0, offset - LIMIT); loadData(); });
  $('data-next').addEventListener('click', () => { offset += LIMIT; loadData(); });
  labelSearch();
}

function collection() {
  const [vendor, name] = $('data-collection').value.split('/');
  const col = state.collections.find((c) => c.vendor === vendor && c.name === name);
  return col ? { vendor: col.vendor, col } : null;
}

function labelSearch() {
  const c = collection();
  $('data-search-label').textContent = c && c.col.search ? `Search (${c.col.search})` : 'Search';
  $('data-search').placeholder = c ? c.col.searchHelp || '' : '';
  $('data-search').disabled = !(c && c.col.search);
}

// loadData shows the current page of the chosen collection.
export async function loadData() {
  const c = collection();
  if (!c) {
    replace($('data-list'), h('p', { class: 'empty' }, 'No vendor declares data collections.'));
    return;
  }
  const q = new URLSearchParams({ offset: String(offset), limit: String(LIMIT) });
  const term = $('data-search').value.trim();
  if (term && c.col.search) q.set(c.col.search, term);
  const session = state.session;
  const data = await api(`sessions/${encodeURIComponent(session)}/${c.vendor}/${c.col.name}?${q}`, { accept: [404] });
  if (session !== state.session) return;
  if (data.sandboxError) {
    page = null;
    total = 0;
    replace($('data-extra'));
    replace($('data-list'), h('p', { class: 'empty' }, `Session ${session} does not exist yet: its first request creates it (with the seeded records).`));
  } else {
    page = { c, data };
    total = data.total;
    paintData();
  }
  $('data-prev').disabled = offset === 0;
  $('data-next').disabled = offset + LIMIT >= total;
  $('data-page').textContent = total ? `${offset + 1}–${Math.min(offset + LIMIT, total)} of ${total}` : '0 records';
}

// shown is a value as the data panel shows it: secrets masked unless asked.
function shown(key, value) {
  if (!$('data-secrets').checked && secretKey(key) && value !== null && value !== '') return MASK;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function paintData() {
  if (!page) return;
  const { c, data } = page;
  const reveal = $('data-secrets').checked;
  // Fields beside the list (the credentials every record needs).
  const extra = Object.entries(data).filter(([k]) => !['total', 'offset', 'limit', c.col.name].includes(k));
  replace($('data-extra'), extra.length ? h('table', { class: 'kv' }, h('tbody', {},
    extra.flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : [[k, v]])
      .map(([kk, vv]) => h('tr', {}, h('th', { scope: 'row' }, kk), h('td', { class: 'secret' }, shown(kk, vv))))))) : null);
  const records = data[c.col.name] || [];
  replace($('data-list'), records.length ? records.map((r) => {
    const scalars = Object.entries(r).filter(([, v]) => v === null || typeof v !== 'object');
    const nested = Object.entries(r).filter(([, v]) => v !== null && typeof v === 'object');
    const title = r.email || r.name || '';
    return h('li', {},
      h('div', { class: 'card-head' }, h('code', {}, String(r.id ?? '')), h('span', {}, title)),
      h('table', { class: 'kv' }, h('tbody', {}, scalars.filter(([k]) => k !== 'id')
        .map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'secret' }, shown(k, v)))))),
      nested.map(([k, v]) => h('details', {}, h('summary', {}, k), h('pre', {}, JSON.stringify(reveal ? v : maskDeep(v), null, 2)))));
  }) : h('p', { class: 'empty' }, 'No record matches.'));
}

// Webhooks.

export function startWebhooks(visible) {
  every(3000, () => (visible() ? loadWebhooks() : null));
}

export async function loadWebhooks() {
  const session = state.session;
  const s = encodeURIComponent(session);
  const target = await api(`sessions/${s}/webhooks`, { accept: [404] });
  if (session !== state.session) return;
  if (target.sandboxError) {
    $('webhook-target').textContent = `Session ${session} does not exist yet.`;
    replace($('webhook-list'));
    return;
  }
  $('webhook-target').textContent = target.url
    ? `Deliveries go to ${target.url} (${target.source === 'session' ? "the session's own receiver" : '--webhook-url'}).`
    : 'No receiver: events are recorded (undelivered) and can be redelivered once a URL is set (PUT …/webhooks).';
  const data = await api(`sessions/${s}/webhooks/deliveries?limit=50`);
  const list = data.deliveries.slice().reverse();
  const open = new Set([...$('webhook-list').querySelectorAll('details[open]')].map((d) => d.dataset.id));
  replace($('webhook-list'), list.length ? list.map((d) => {
    const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
    return h('li', {},
      h('div', { class: 'card-head' }, h('code', {}, d.event), h('span', {}, d.state)),
      h('div', { class: 'card-meta' }, `${d.id} · ${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}`,
        last ? ` · last ${statusText(last.status)}` : '', d.scenario ? ` · scenario ${d.scenario}` : '', d.error ? ` · ${d.error}` : ''),
      h('details', { 'data-id': d.id, open: open.has(d.id) },
        h('summary', {}, 'Attempts and body'),
        d.attempts.length ? h('table', { class: 'kv' }, h('tbody', {}, d.attempts.map((a) => h('tr', {},
          h('th', { scope: 'row' }, `#${a.n}`),
          h('td', {}, h('span', { class: `status ${statusClass(a.status)}` }, statusText(a.status)), ` ${a.outcome || ''} `,
            a.latencyMs !== undefined ? `${Number(a.latencyMs).toFixed(1)} ms ` : '', a.at ? clock(a.at) : '', a.error ? ` ${a.error}` : ''))))) : h('p', { class: 'muted' }, 'no attempt yet'),
        h('pre', {}, pretty(typeof d.body === 'string' ? d.body : JSON.stringify(d.body)))),
      h('button', { type: 'button', 'aria-label': `Redeliver ${d.id}`, onclick: () => redeliver(d.id) }, 'Redeliver'));
  }) : h('p', { class: 'empty' }, 'No webhook delivery in this session yet.'));
}

async function redeliver(id) {
  try {
    await api(`sessions/${encodeURIComponent(state.session)}/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`, { method: 'POST' });
    toast(`${id} sent again`);
  } catch (e) {
    toast(e.message, true);
  }
  loadWebhooks();
}
