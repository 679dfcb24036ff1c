// The dashboard's entry point: reads ?session= (default: default), asks
// the control API what the sandbox serves, then starts each panel.

import { api, takeFragmentToken, hasToken, forgetToken } from './api.js';
import { state, live, toast } from './util.js';
import { startTraffic, switchTraffic } from './traffic.js';
import { startSessions } from './sessions.js';
import { startScenarios, switchScenarios, startErrors } from './scenarios.js';
import { startData, loadData, loadWebhooks, startWebhooks } from './data.js';
import { startChart } from './chart.js';

const $ = (id) => document.getElementById(id);

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const show = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (tab.id === 'tab-data') loadData();
    if (tab.id === 'tab-webhooks') loadWebhooks();
  };
  for (const t of tabs) {
    t.addEventListener('click', () => show(t, false));
    t.addEventListener('keydown', (ev) => {
      const i = tabs.indexOf(t);
      const to = { ArrowRight: tabs[(i + 1) % tabs.length], ArrowLeft: tabs[(i + tabs.length - 1) % tabs.length], Home: tabs[0], End: tabs[tabs.length - 1] }[ev.key];
      if (to) {
        ev.preventDefault();
        show(to, true);
      }
    });
  }
}

function setupHeader() {
  const pause = $('pause');
  pause.addEventListener('click', () => {
    state.paused = !state.paused;
    pause.setAttribute('aria-pressed', String(state.paused));
    pause.textContent = state.paused ? 'Resume live' : 'Pause live';
    live(state.paused ? 'off' : 'on', state.paused ? 'paused' : 'live');
  });
  const large = $('large');
  const setLarge = (on) => {
    document.documentElement.classList.toggle('large', on);
    large.setAttribute('aria-pressed', String(on));
    sessionStorage.setItem('sandbox-large-text', on ? '1' : '');
  };
  setLarge(sessionStorage.getItem('sandbox-large-text') === '1');
  large.addEventListener('click', () => setLarge(!document.documentElement.classList.contains('large')));
  const forget = $('forget-token');
  forget.hidden = !hasToken();
  forget.addEventListener('click', () => {
    forgetToken();
    forget.hidden = true;
    toast('Token forgotten: the page asks again on the next call that needs it');
  });
}

async function main() {
  takeFragmentToken();
  const want = new URLSearchParams(location.search).get('session');
  if (want) state.session = want;
  $('current-session').textContent = state.session;
  setupHeader();
  setupTabs();
  try {
    const [vendors, collections, operations] = await Promise.all([api('vendors'), api('collections'), api('operations')]);
    state.vendors = vendors.vendors;
    state.collections = collections.collections;
    state.operations = operations.operations;
  } catch (e) {
    live('error', 'control API: ' + e.message);
    return;
  }
  const webhooksVisible = () => !$('panel-webhooks').hidden;
  startSessions(() => {
    switchTraffic();
    switchScenarios();
    if (!$('panel-data').hidden) loadData();
    if (webhooksVisible()) loadWebhooks();
  });
  startTraffic();
  startChart();
  startData();
  startWebhooks(webhooksVisible);
  await Promise.all([startScenarios(), startErrors()]);
}

main();
