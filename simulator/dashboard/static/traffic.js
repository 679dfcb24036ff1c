// Live traffic: the session's journal, polled after a cursor
// (GET …/journal?after=SEQ), newest first, filtered in the page, with a
// detail pane and "copy as curl". Polling rather than Server-Sent Events:
// EventSource cannot send the Authorization header the admin token needs,
// and one small request a second is nothing for the sandbox.

import { api } from './api.js';
import { state, h, replace, statusClass, statusText, clock, pretty, curlOf, toast, every, live, shortPath } from './util.js';

const KEEP = 500; // entries the page holds (the journal keeps up to --journal-capacity)
const PAGE = 200; // entries asked for per poll

let entries = []; // newest first
let cursor = 0; // the newest Seq seen
let selected = 0; // the Seq in the detail pane
let dropped = 0;
const scenarios = new Set();
let poller = null;

const $ = (id) => document.getElementById(id);

export function startTraffic() {
  const ops = $('f-operation');
  for (const op of state.operations) ops.append(h('option', { value: op.ID }, op.ID));
  $('filters').addEventListener('input', renderAll);
  $('filters').addEventListener('reset', () => setTimeout(renderAll));
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('traffic-rows').addEventListener('keydown', onKey);
  $('traffic-rows').addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (tr) select(Number(tr.dataset.seq), tr);
  });
  poller = every(1000, poll);
}

// switchTraffic empties the table for another session and polls at once.
export function switchTraffic() {
  entries = [];
  cursor = 0;
  selected = 0;
  dropped = 0;
  renderAll();
  renderDetail();
  if (poller) poller();
}

// pollNow fetches new entries at once (after the page sent something).
export function pollNow() {
  if (poller) poller();
}

async function poll() {
  if (state.paused) return;
  const session = state.session;
  const q = (cursor ? `after=${cursor}&` : '') + `limit=${PAGE}`;
  let data;
  try {
    data = await api(`sessions/${encodeURIComponent(session)}/journal?${q}`, { accept: [404] });
  } catch (e) {
    live('error', 'control API: ' + e.message);
    return;
  }
  if (session !== state.session) return; // switched while asking
  live('on', 'live');
  if (data && data.sandboxError) { // no such session yet
    if (entries.length || cursor) switchTraffic();
    $('traffic-empty').textContent = `Session ${session} has no request yet: a session is created by its first request (X-Sandbox-Session: ${session}).`;
    return;
  }
  if (data.lastSeq < cursor) { // the session was reset or deleted: a new journal
    entries = [];
    cursor = 0;
    renderAll();
    return poll();
  }
  dropped = data.dropped;
  const fresh = data.entries.filter((e) => e.seq > cursor);
  if (!fresh.length) {
    renderCount();
    return;
  }
  cursor = fresh[fresh.length - 1].seq;
  fresh.reverse();
  entries = fresh.concat(entries).slice(0, KEEP);
  const ok = filter();
  const rows = $('traffic-rows');
  const first = rows.firstChild;
  for (const e of fresh) {
    noteScenario(e.scenario);
    if (ok(e)) rows.insertBefore(row(e, true), first);
  }
  while (rows.children.length > KEEP) rows.lastChild.remove();
  renderCount();
}

function noteScenario(name) {
  if (!name || scenarios.has(name)) return;
  scenarios.add(name);
  $('f-scenario').append(h('option', { value: name }, name));
}

// filter is the predicate of the filter form.
function filter() {
  const op = $('f-operation').value;
  const sc = $('f-scenario').value;
  const input = $('f-status');
  const st = input.value.trim().toLowerCase();
  const valid = st === '' || st === 'none' || /^[1-5]xx$/.test(st) || /^[1-5]\d\d$/.test(st);
  input.setAttribute('aria-invalid', String(!valid));
  input.setCustomValidity(valid ? '' : 'a status such as 409, a class such as 4xx, or none');
  return (e) => {
    if (op && e.operation !== op) return false;
    if (sc === '-' && e.scenario) return false;
    if (sc === '*' && !e.scenario) return false;
    if (sc && sc !== '-' && sc !== '*' && e.scenario !== sc) return false;
    if (!valid || st === '') return true;
    if (st === 'none') return !e.status;
    if (st.endsWith('xx')) return Math.floor(e.status / 100) === Number(st[0]);
    return e.status === Number(st);
  };
}

function row(e, fresh) {
  const cls = statusClass(e.status);
  return h('tr', { class: `${cls}${fresh ? ' new' : ''}`, 'data-seq': e.seq, tabindex: -1, 'aria-selected': String(e.seq === selected) },
    h('td', { class: 'mono' }, clock(e.time)),
    h('td', { class: 'method' }, e.method),
    // The path cell is cut at its start when it overflows (app.css): the
    // end is where requests differ. The tooltip has the whole path.
    h('td', { class: 'mono path', title: `${e.operation}: ${e.path}${e.query ? '?' + e.query : ''}` },
      h('bdi', {}, shortPath(e.path), e.query ? h('span', { class: 'muted' }, '?' + e.query) : null)),
    h('td', {}, h('span', { class: `status ${cls}` }, statusText(e.status))),
    h('td', { class: 'mono', title: e.scenario || null }, e.scenario || ''),
    h('td', { class: 'num' }, e.durationMs.toFixed(1)));
}

function renderAll() {
  const ok = filter();
  replace($('traffic-rows'), entries.filter(ok).map((e) => row(e, false)));
  renderCount();
}

function renderCount() {
  const rows = $('traffic-rows');
  const shown = rows.children.length;
  $('traffic-count').textContent = entries.length
    ? `${shown} shown of ${entries.length}${dropped ? `, ${dropped} dropped by the journal` : ''}`
    : '';
  $('traffic-empty').hidden = shown > 0;
  if (!entries.length) $('traffic-empty').textContent = 'No request yet. Send one to the sandbox: it appears here at once.';
  else if (!shown) $('traffic-empty').textContent = 'No request matches the filters.';
  // Roving focus: one row is in the tab order, the selected one or the first.
  const current = rows.querySelector('tr[tabindex="0"]');
  if (!current && rows.firstChild) (rows.querySelector('tr[aria-selected="true"]') || rows.firstChild).tabIndex = 0;
}

function onKey(ev) {
  const tr = ev.target.closest('tr');
  if (!tr) return;
  const to = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling,
    Home: tr.parentElement.firstElementChild, End: tr.parentElement.lastElementChild }[ev.key];
  if (to) {
    ev.preventDefault();
    tr.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  } else if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    select(Number(tr.dataset.seq), tr);
  }
}

function select(seq, tr) {
  selected = seq;
  for (const r of $('traffic-rows').querySelectorAll('tr[aria-selected="true"]')) r.setAttribute('aria-selected', 'false');
  for (const r of $('traffic-rows').querySelectorAll('tr[tabindex="0"]')) r.tabIndex = -1;
  tr.setAttribute('aria-selected', 'true');
  tr.tabIndex = 0;
  renderDetail();
}

function headersTable(hdrs) {
  const names = Object.keys(hdrs || {}).sort();
  if (!names.length) return h('p', { class: 'muted' }, 'no headers');
  return h('table', { class: 'kv' }, h('tbody', {}, names.map((n) => h('tr', {}, h('th', { scope: 'row' }, n), h('td', { class: 'mono' }, hdrs[n].join(', '))))));
}

function renderDetail() {
  const e = entries.find((x) => x.seq === selected);
  const body = $('detail-body');
  if (!e) {
    replace(body, h('p', { class: 'empty' }, 'Pick a request above (click it, or focus it and press Enter).'));
    return;
  }
  const cls = statusClass(e.status);
  const curl = curlOf(e, location.origin);
  const curlPre = h('pre', { id: 'curl', tabindex: 0, 'aria-label': 'the request as a curl command' }, curl);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      toast('Copied the curl command');
    } catch {
      getSelection().selectAllChildren(curlPre);
      toast('Selected: press Ctrl+C (Cmd+C) to copy');
    }
  };
  replace(body,
    h('div', { class: 'detail-summary' },
      h('span', { class: `status ${cls}` }, statusText(e.status)),
      h('strong', { class: 'mono' }, `${e.method} ${e.path}${e.query ? '?' + e.query : ''}`),
      h('span', {}, 'operation ', h('code', {}, e.operation)),
      e.scenario ? h('span', {}, 'answered by ', h('code', {}, e.scenario)) : h('span', { class: 'muted' }, 'answered by the simulated vendor'),
      h('span', { class: 'muted' }, `${e.durationMs.toFixed(1)} ms · #${e.seq} · ${clock(e.time)}${e.requestRef ? ' · request-ref ' + e.requestRef : ''}`)),
    h('div', { class: 'detail-grid' },
      h('div', {}, h('h3', {}, 'Request'), headersTable(e.requestHeaders), e.requestBody ? h('pre', { id: 'request-body' }, pretty(e.requestBody)) : h('p', { class: 'muted' }, 'no body')),
      h('div', {}, h('h3', {}, 'Response'), headersTable(e.responseHeaders), e.responseBody ? h('pre', { id: 'response-body' }, pretty(e.responseBody)) : h('p', { class: 'muted' }, 'no body'))),
    h('div', { class: 'curl-actions' }, h('h3', {}, 'Copy as curl'), h('button', { type: 'button', id: 'copy-curl', onclick: copy }, 'Copy as curl')),
    curlPre);
}
