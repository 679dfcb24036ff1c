// Metrics at a glance: each vendor's requests per second and error rate,
// from GET /__sandbox/stats (totals since start) polled every two seconds
// and differentiated here, drawn on a canvas by the page (no library, no
// CDN: the sandbox works offline). The figures are text too, for screen
// readers and for anyone who cannot tell the bar colours apart.
//
// A rate needs two samples, so the page takes its second one shortly after
// the first rather than a whole interval later, and keeps its samples in
// sessionStorage: a reload draws the last two minutes at once and its
// first sample is a rate already (since the previous page's last one).
// Until there is a bar, the chart draws its axis and says why it is empty
// (no traffic yet, or none in the last two minutes): never a blank box.

import { api } from './api.js';
import { state, h, replace, every } from './util.js';

const WINDOW = 120000; // ms of history drawn: two minutes
const INTERVAL = 2000; // ms between samples
const FIRST = 300; // ms from the first sample to the second (the first rate)
const STORE = 'sandbox-chart';
const series = new Map(); // vendor → {last: {requests, errors}, at, points: [{t, dt, rps, eps}], figures, canvas, title}

const $ = (id) => document.getElementById(id);

export function startChart() {
  const saved = restore();
  replace($('metric-list'), state.vendors.map((v) => {
    const figures = h('div', { class: 'figures' }, h('strong', {}, v.title), h('span', {}, '…'));
    const canvas = h('canvas', { width: 208, height: 56, role: 'img', 'aria-label': `${v.title} requests per second, errors in red` });
    const old = saved && saved.vendors[v.name];
    series.set(v.name, { last: old ? old.last : null, at: old ? saved.at : 0, points: old ? old.points : [], figures, canvas, title: v.title });
    return h('div', { class: 'metric' }, figures, canvas);
  }));
  for (const s of series.values()) draw(s, null);
  const again = every(INTERVAL, async () => {
    const first = [...series.values()].some((s) => !s.last);
    await sample();
    if (first) setTimeout(again, FIRST);
  });
}

// restore reads the samples a previous page of this tab kept, if recent.
function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) || 'null');
    if (saved && Date.now() - saved.at < WINDOW && saved.vendors) return saved;
  } catch { /* a malformed entry: start afresh */ }
  return null;
}

function save(at) {
  const vendors = {};
  for (const [name, s] of series) if (s.last) vendors[name] = { last: s.last, points: s.points };
  try { sessionStorage.setItem(STORE, JSON.stringify({ at, vendors })); } catch { /* storage full or off */ }
}

async function sample() {
  const data = await api('stats');
  const now = Date.now();
  for (const v of data.vendors) {
    const s = series.get(v.vendor);
    if (!s) continue;
    // Totals below the last sample's: the sandbox restarted, its history is gone.
    if (s.last && (v.requests < s.last.requests || v.errors < s.last.errors)) {
      s.last = null;
      s.points = [];
    }
    if (s.last) {
      const dt = Math.max(1, now - s.at);
      const reqs = v.requests - s.last.requests;
      const errs = v.errors - s.last.errors;
      s.points.push({ t: now, dt, rps: (1000 * reqs) / dt, eps: (1000 * errs) / dt });
    }
    s.points = s.points.filter((p) => now - p.t < WINDOW);
    s.last = { requests: v.requests, errors: v.errors };
    s.at = now;
    const p = s.points[s.points.length - 1];
    const overall = v.requests ? Math.round((100 * v.errors) / v.requests) : 0;
    const since = `${v.requests} request${v.requests === 1 ? '' : 's'} since start, ${overall}% errors`;
    if (p) {
      const rate = p.rps ? Math.round((100 * p.eps) / p.rps) : 0;
      replace(s.figures, h('strong', {}, s.title), h('span', {}, `${p.rps.toFixed(1)} req/s · ${rate}% errors`));
      s.canvas.setAttribute('aria-label', `${s.title}: ${p.rps.toFixed(1)} requests per second, ${rate}% errors now; ${since}`);
    } else {
      replace(s.figures, h('strong', {}, s.title), h('span', {}, v.requests ? 'measuring…' : 'no traffic yet'));
      s.canvas.setAttribute('aria-label', `${s.title}: ${since}; the rate follows in a moment`);
    }
    s.canvas.title = `${since} (4xx, 5xx, no answer)`;
    draw(s, v, now);
  }
  save(now);
}

// draw paints the last two minutes of s, right-aligned on now: a bar per
// sample (blue, its errors red from the bottom), over an axis that is always
// there; with no bar, a word on why. It leaves what it drew on the canvas's
// data-bars and data-state (empty, idle, traffic) for tests and tools.
function draw(s, totals, now = Date.now()) {
  const c = s.canvas;
  const ratio = window.devicePixelRatio || 1;
  const w = c.clientWidth || 208;
  const hgt = c.clientHeight || 56;
  if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(hgt * ratio); }
  const g = c.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, hgt);
  // The axis: a baseline and a tick every 30 s back from now.
  g.fillStyle = '#9ca3af';
  g.fillRect(0, hgt - 1, w, 1);
  for (let back = 30000; back < WINDOW; back += 30000) g.fillRect(w - (back / WINDOW) * w, hgt - 4, 1, 3);
  const busy = s.points.filter((p) => p.rps > 0);
  const max = Math.max(1, ...busy.map((p) => p.rps));
  const top = hgt - 2;
  for (const p of busy) {
    const bw = Math.max(1, (p.dt / WINDOW) * w - 1);
    const x = w - ((now - p.t) / WINDOW) * w;
    const total = Math.max(1, (p.rps / max) * top);
    const bad = p.eps ? Math.max(1, (p.eps / max) * top) : 0;
    g.fillStyle = '#1f4e8c';
    g.fillRect(x - bw, hgt - 1 - total, bw, total - bad);
    g.fillStyle = '#c81e1e';
    g.fillRect(x - bw, hgt - 1 - bad, bw, bad);
  }
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#4b5563';
  let st = 'traffic';
  if (busy.length) {
    g.textBaseline = 'top';
    g.fillText(`${max.toFixed(max < 10 ? 1 : 0)} req/s`, 2, 1);
  } else {
    st = totals && totals.requests ? 'idle' : 'empty';
    const words = !totals ? 'reading the sandbox…'
      : totals.requests ? `no traffic now · ${totals.requests} since start` : 'no traffic yet';
    g.textBaseline = 'middle';
    g.textAlign = 'center';
    g.fillText(words, w / 2, hgt / 2);
    g.textAlign = 'start';
  }
  c.dataset.bars = String(busy.length);
  c.dataset.state = totals ? st : 'loading';
}
