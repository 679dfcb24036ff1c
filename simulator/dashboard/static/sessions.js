// Sessions: the list with request counts (vendor requests, the same the
// traffic table shows: control API calls do not count), last use and active scenarios;
// picking one shows its traffic (and puts ?session= in the address, so a
// reload or a shared link opens it); reset and delete.

import { api } from './api.js';
import { state, h, replace, ago, toast, every } from './util.js';

let onSwitch = () => {};
let refresh = null;

const $ = (id) => document.getElementById(id);

// startSessions polls the list; switched is called after the session changed.
export function startSessions(switched) {
  onSwitch = switched;
  refresh = every(2000, load);
}

// refreshSessions reloads the list now (after an action).
export function refreshSessions() {
  if (refresh) refresh();
}

// choose shows another session.
export function choose(name) {
  if (name === state.session) return;
  state.session = name;
  const url = new URL(location.href);
  if (name === 'default') url.searchParams.delete('session');
  else url.searchParams.set('session', name);
  history.replaceState(null, '', url.pathname + url.search);
  $('current-session').textContent = name;
  onSwitch();
  refreshSessions();
}

async function load() {
  const data = await api('sessions');
  const list = $('session-list');
  const names = data.sessions.map((s) => s.name);
  const items = data.sessions.map(item);
  if (!names.includes(state.session)) {
    items.unshift(h('li', { class: 'current' },
      h('button', { type: 'button', class: 'pick', 'aria-current': 'true' }, state.session),
      h('div', { class: 'facts' }, 'not created yet: its first request creates it')));
  }
  // Keep the focused button focused across the refresh.
  const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  replace(list, items);
  if (focused) {
    const again = list.querySelector(`[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function item(s) {
  const current = s.name === state.session;
  return h('li', { class: current ? 'current' : '' },
    h('button', { type: 'button', class: 'pick', 'data-key': 'pick:' + s.name, 'aria-current': current ? 'true' : null,
      onclick: () => choose(s.name), title: 'Show the traffic of ' + s.name }, s.name),
    h('div', { class: 'facts', title: 'Vendor requests since created or reset, as in the traffic table; control API calls (the page\'s own) are not counted' },
      `${s.requests} request${s.requests === 1 ? '' : 's'} · last used ${ago(s.lastUsed)}`,
      s.journal.dropped ? ` · ${s.journal.dropped} dropped` : ''),
    s.clock ? h('div', { class: 'facts clock', 'data-key': 'clock:' + s.name,
      title: 'This session\'s clock was moved (POST /__sandbox/sessions/{s}/clock/advance): its tokens, codes, rate-limit windows, webhook retries and vendor dates follow it' },
      `session time ${new Date(s.clock.now).toISOString().replace('.000Z', 'Z')} (${s.clock.frozen ? 'frozen' : s.clock.offset + ' ahead'})`) : null,
    s.activeScenarios.length ? h('div', { class: 'chips', 'aria-label': 'active scenarios' },
      s.activeScenarios.map((n) => h('span', { class: 'chip' }, n))) : null,
    h('div', { class: 'row-actions' },
      h('button', { type: 'button', 'data-key': 'reset:' + s.name, 'aria-label': 'Reset session ' + s.name, onclick: () => act(s.name, 'reset') }, 'Reset'),
      h('button', { type: 'button', class: 'danger', 'data-key': 'delete:' + s.name, 'aria-label': 'Delete session ' + s.name, onclick: () => act(s.name, 'delete') }, 'Delete')));
}

async function act(name, what) {
  const q = what === 'reset'
    ? `Reset session ${name} to the seed (data, tokens, limits, scenarios, journal)?`
    : `Delete session ${name}? Its next request starts from the seed.`;
  if (!confirm(q)) return;
  try {
    if (what === 'reset') await api(`sessions/${encodeURIComponent(name)}/reset`, { method: 'POST' });
    else await api(`sessions/${encodeURIComponent(name)}`, { method: 'DELETE' });
    toast(what === 'reset' ? `Session ${name} reset` : `Session ${name} deleted`);
  } catch (e) {
    toast(e.message, true);
  }
  if (name === state.session) onSwitch();
  refreshSessions();
}
