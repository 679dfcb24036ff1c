// Data and webhooks: browse and search each vendor's records in the
// session (GET …/{vendor}/{collection}, described by GET /collections, so
// any vendor works), with the logins they need masked until "Show secrets" is
// ticked; each record's back-office actions (the ones GET /collections
// lists, run as POST …/{collection}/{id}/{action} with a JSON body
// prefilled from the action's example GET /collections gives); and the
// session's webhook deliveries with their attempts and a redeliver button.

import { api, ApiError } from './api.js';
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
  startActions();
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
  const list = $('data-list');
  const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  replace(list, records.length ? records.map((r) => {
    const scalars = Object.entries(r).filter(([, v]) => v === null || typeof v !== 'object');
    const nested = Object.entries(r).filter(([, v]) => v !== null && typeof v === 'object');
    const title = r.email || r.name || '';
    const id = String(r.id ?? '');
    return h('li', {},
      h('div', { class: 'card-head' }, h('code', {}, id), h('span', {}, title)),
      h('table', { class: 'kv' }, h('tbody', {}, scalars.filter(([k]) => k !== 'id')
        .map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'secret' }, shown(k, v)))))),
      nested.map(([k, v]) => h('details', {}, h('summary', {}, k), h('pre', {}, JSON.stringify(reveal ? v : maskDeep(v), null, 2)))),
      actionNames(c.col).length && id ? h('div', { class: 'toggles' },
        h('button', { type: 'button', 'data-key': `actions:${c.vendor}/${c.col.name}/${id}`, 'aria-haspopup': 'dialog',
          'aria-label': `Actions for ${c.col.item || 'record'} ${id}`, onclick: () => openActions(c, id) }, 'Actions')) : null);
  }) : h('p', { class: 'empty' }, 'No record matches.'));
  // A repaint (after an action, Show secrets) keeps the focused button.
  if (focused) {
    const again = list.querySelector(`[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// Actions: a dialog for one record, kept open across the list's repaints.

let target = null; // {session, c, id} of the open dialog
let examples = null; // the promise of {"vendor/collection/action": {example, summary}}

// actionNames are a collection's actions as GET /collections lists them
// (names, or objects with a name).
function actionNames(col) {
  return (col.actions || []).map((a) => (typeof a === 'string' ? a : a.name)).filter(Boolean);
}

// actionDocs are each action's summary and example body, as GET
// /collections lists them.
function actionDocs() {
  if (!examples) {
    const out = {};
    for (const c of state.collections) {
      for (const a of c.actions || []) {
        const own = typeof a === 'object' ? a : { name: a };
        const example = own.example;
        out[`${c.vendor}/${c.name}/${own.name}`] = {
          summary: own.summary || '',
          example: example === undefined || example === null || example === '' ? '' : typeof example === 'string' ? pretty(example) : JSON.stringify(example, null, 2),
        };
      }
    }
    examples = Promise.resolve(out);
  }
  return examples;
}

function startActions() {
  const dlg = $('action-dialog');
  $('action-name').addEventListener('change', prefill);
  $('action-close').addEventListener('click', () => dlg.close());
  $('action-form').addEventListener('submit', (ev) => { ev.preventDefault(); runAction(); });
  dlg.addEventListener('close', () => {
    const back = target && $('data-list').querySelector(`[data-key="${CSS.escape(`actions:${target.c.vendor}/${target.c.col.name}/${target.id}`)}"]`);
    target = null;
    if (back) back.focus();
  });
}

async function openActions(c, id) {
  target = { session: state.session, c, id };
  const item = c.col.item || 'record';
  $('action-h').textContent = `Actions on ${item} ${id}`;
  $('action-target').textContent = `${c.col.vendorTitle || c.vendor} ${c.col.name}, session ${state.session}. The answer shows below; the records and the webhooks refresh after a run.`;
  replace($('action-name'), actionNames(c.col).map((n) => h('option', { value: n }, n)));
  replace($('action-result'));
  $('action-body').value = '';
  $('action-summary').textContent = '';
  $('action-dialog').showModal();
  $('action-name').focus();
  await prefill();
}

// prefill puts the chosen action's summary and example body in the dialog.
async function prefill() {
  if (!target) return;
  const name = $('action-name').value;
  const doc = (await actionDocs())[`${target.c.vendor}/${target.c.col.name}/${name}`] || {};
  if (!target || $('action-name').value !== name) return;
  $('action-summary').textContent = doc.summary || '';
  $('action-body').value = doc.example || '';
}

async function runAction() {
  if (!target) return;
  const { session, c, id } = target;
  const name = $('action-name').value;
  const text = $('action-body').value.trim();
  let body;
  if (text) {
    try { body = JSON.parse(text); } catch (e) {
      showResult(false, 'The body is not JSON: ' + e.message);
      $('action-body').focus();
      return;
    }
  }
  const run = $('action-run');
  run.disabled = true;
  try {
    const path = `sessions/${encodeURIComponent(session)}/${c.vendor}/${c.col.name}/${encodeURIComponent(id)}/${encodeURIComponent(name)}`;
    const data = await api(path, { method: 'POST', body });
    showResult(true, `${name}: done`, data);
    toast(`${name} ran on ${c.col.item || 'record'} ${id}`);
  } catch (e) {
    showResult(false, e instanceof ApiError ? `${name}: ${e.status} ${e.message}` : `${name}: ${e.message}`);
  } finally {
    run.disabled = false;
  }
  if (session === state.session) await Promise.all([loadData(), loadWebhooks()]);
}

// showResult shows an action's answer (secrets masked unless Show secrets
// is ticked) or its refusal with the sandbox's message.
function showResult(ok, line, data) {
  const reveal = $('data-secrets').checked;
  replace($('action-result'),
    h('p', { class: ok ? 'action-ok' : 'action-bad' }, line),
    data !== undefined && data !== null ? h('pre', {}, JSON.stringify(reveal ? data : maskDeep(data), null, 2)) : null);
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
