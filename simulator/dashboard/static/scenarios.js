// Scenarios and errors: the scenario catalog with a toggle for the session
// and one for all traffic, and the session's counters (seen, fired); the
// error catalog with "trigger once on the next request" (POST …/triggers)
// and what is armed. Cards are built once and updated in place, so a
// refresh never steals the keyboard focus.

import { api } from './api.js';
import { state, h, replace, toast, every } from './util.js';
import { refreshSessions } from './sessions.js';

const $ = (id) => document.getElementById(id);
const cards = new Map(); // scenario name → {li, mine, all, counts}
let global = [];
let refreshState = null;
let refreshArmed = null;

export async function startScenarios() {
  await loadCatalog();
  $('scenario-search').addEventListener('input', filterScenarios);
  refreshState = every(2000, loadState);
  every(10000, loadCatalogState);
}

// switchScenarios shows another session's activations and armed triggers.
export function switchScenarios() {
  if (refreshState) refreshState();
  if (refreshArmed) refreshArmed();
}

async function loadCatalog() {
  const data = await api('scenarios');
  global = data.activeGlobally;
  const list = $('scenario-list');
  const items = [];
  for (const sc of data.scenarios) {
    const id = 'sc-' + sc.name;
    const mine = h('input', { type: 'checkbox', id: id + '-session', onchange: (ev) => toggle(sc.name, 'session', ev.target) });
    const all = h('input', { type: 'checkbox', id: id + '-all', onchange: (ev) => toggle(sc.name, 'all', ev.target) });
    const counts = h('span', { class: 'card-meta', 'aria-live': 'off' });
    const meta = [sc.operation, sc.times ? `times ${sc.times}` : '', sc.after ? `after ${sc.after}` : '',
      sc.probability < 1 ? `probability ${sc.probability}` : '', sc.steps > 1 ? `${sc.steps} steps` : ''].filter(Boolean).join(' · ');
    const li = h('li', { 'data-search': `${sc.name} ${sc.operation} ${sc.description}`.toLowerCase() },
      h('div', { class: 'card-head' }, h('code', {}, sc.name), counts),
      h('p', { class: 'card-desc' }, sc.description),
      h('div', { class: 'card-meta' }, meta),
      h('div', { class: 'toggles' },
        h('label', { for: id + '-session' }, mine, 'This session'),
        h('label', { for: id + '-all' }, all, 'All traffic')));
    cards.set(sc.name, { li, mine, all, counts });
    items.push(li);
  }
  replace(list, items);
  paint([], []);
}

function filterScenarios() {
  const q = $('scenario-search').value.trim().toLowerCase();
  for (const { li } of cards.values()) li.hidden = q !== '' && !li.dataset.search.includes(q);
}

async function loadCatalogState() {
  const data = await api('scenarios');
  global = data.activeGlobally;
}

let lastActive = [];
let lastCounters = [];

async function loadState() {
  const session = state.session;
  const data = await api(`sessions/${encodeURIComponent(session)}/scenarios`, { accept: [404] });
  if (session !== state.session) return;
  if (data.sandboxError) paint([], []);
  else paint(data.active, data.counters);
}

// paint sets every card from the session's active list (its own, then the
// global ones) and counters. A scenario on for all traffic shows its
// session toggle ticked and disabled: the session has it either way.
function paint(active, counters) {
  lastActive = active;
  lastCounters = counters;
  const byName = new Map(counters.map((c) => [c.scenario, c]));
  for (const [name, c] of cards) {
    const isGlobal = global.includes(name);
    c.all.checked = isGlobal;
    c.mine.checked = active.includes(name);
    c.mine.disabled = isGlobal;
    c.li.classList.toggle('on', active.includes(name));
    const n = byName.get(name);
    c.counts.textContent = n ? `seen ${n.seen} · fired ${n.fired}` : '';
  }
}

async function toggle(name, scope, box) {
  const on = box.checked;
  const s = encodeURIComponent(state.session);
  const path = scope === 'all' ? `scenarios/${encodeURIComponent(name)}/active` : `sessions/${s}/scenarios/${encodeURIComponent(name)}`;
  try {
    const data = await api(path, { method: on ? 'PUT' : 'DELETE' });
    if (scope === 'all') global = data.activeGlobally;
    toast(`${name} ${on ? 'active' : 'off'} for ${scope === 'all' ? 'all traffic' : 'session ' + state.session}`);
  } catch (e) {
    box.checked = !on;
    toast(e.message, true);
  }
  paint(lastActive, lastCounters);
  await loadState();
  refreshSessions();
}

// The error catalog.

let errors = [];
const errorCards = [];

export async function startErrors() {
  errors = (await api('errors')).errors;
  const sel = $('error-operation');
  for (const op of state.operations) sel.append(h('option', { value: op.ID }, op.ID));
  sel.addEventListener('change', filterErrors);
  $('error-search').addEventListener('input', filterErrors);
  const items = errors.map((e) => {
    const tag = h('span', { class: 'card-meta' });
    const li = h('li', { 'data-search': `${e.name} ${e.status} ${e.summary}`.toLowerCase() },
      h('div', { class: 'card-head' }, h('code', {}, e.name), h('span', { class: 'card-meta' }, String(e.status))),
      h('p', { class: 'card-desc' }, e.summary),
      h('div', { class: 'toggles' },
        h('button', { type: 'button', class: 'primary', 'aria-label': `Trigger ${e.name} once on the next request`, onclick: () => trigger(e) }, 'Trigger once'),
        tag));
    errorCards.push({ e, li, tag });
    return li;
  });
  replace($('error-list'), items);
  filterErrors();
  refreshArmed = every(2000, loadArmed);
}

function filterErrors() {
  const opID = $('error-operation').value;
  const op = state.operations.find((o) => o.ID === opID);
  const q = $('error-search').value.trim().toLowerCase();
  const documented = new Set(op ? (op.Errors || []).map((n) => op.Vendor + '.' + n) : []);
  const list = $('error-list');
  for (const c of errorCards) {
    c.li.hidden = (op && c.e.vendor !== op.Vendor) || (q !== '' && !c.li.dataset.search.includes(q));
    c.tag.textContent = documented.has(c.e.name) ? 'documented by ' + op.ID : '';
  }
  // The operation's documented errors first.
  const sorted = [...errorCards].sort((a, b) => Number(documented.has(b.e.name)) - Number(documented.has(a.e.name)));
  for (const c of sorted) list.append(c.li);
}

async function trigger(e) {
  const operation = $('error-operation').value;
  try {
    await api(`sessions/${encodeURIComponent(state.session)}/triggers`, { method: 'POST', body: operation ? { error: e.name, operation } : { error: e.name } });
    toast(`${e.name} armed: the next ${operation || e.vendor} request of session ${state.session} gets it`);
  } catch (err) {
    toast(err.message, true);
  }
  if (refreshArmed) refreshArmed();
  refreshSessions();
}

async function loadArmed() {
  const session = state.session;
  const data = await api(`sessions/${encodeURIComponent(session)}/triggers`, { accept: [404] });
  if (session !== state.session) return;
  const armed = data.sandboxError ? [] : data.armed;
  const box = $('armed');
  if (!armed.length) {
    replace(box);
    return;
  }
  replace(box, h('h3', {}, 'Armed for the next request'),
    h('ul', {}, armed.map((t) => h('li', {}, h('code', {}, t.error), ' on ', h('code', {}, t.operation)))),
    h('button', { type: 'button', onclick: disarm }, 'Clear armed triggers'));
}

async function disarm() {
  try {
    await api(`sessions/${encodeURIComponent(state.session)}/triggers`, { method: 'DELETE' });
    toast('Armed triggers cleared');
  } catch (e) {
    toast(e.message, true);
  }
  if (refreshArmed) refreshArmed();
}
