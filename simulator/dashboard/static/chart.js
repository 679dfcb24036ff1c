// Metrics at a glance: each vendor's requests per second and error rate,
// from GET /__sandbox/stats (totals since start) polled every two seconds
// and differentiated here, drawn on a canvas by the page (no library, no
// CDN: the sandbox works offline). The figures are text too, for screen
// readers and for anyone who cannot tell the bar colours apart.

import { api } from './api.js';
import { state, h, replace, every } from './util.js';

const POINTS = 60; // two minutes of two-second samples
const series = new Map(); // vendor → {last, at, points: [{rps, eps}], el}

const $ = (id) => document.getElementById(id);

export function startChart() {
  replace($('metric-list'), state.vendors.map((v) => {
    const figures = h('div', { class: 'figures' }, h('strong', {}, v.title), h('span', {}, '…'));
    const canvas = h('canvas', { width: 208, height: 56, role: 'img', 'aria-label': `${v.title} requests per second, errors in red` });
    series.set(v.name, { last: null, at: 0, points: [], figures, canvas, title: v.title });
    return h('div', { class: 'metric' }, figures, canvas);
  }));
  every(2000, sample);
}

async function sample() {
  const data = await api('stats');
  const now = performance.now();
  for (const v of data.vendors) {
    const s = series.get(v.vendor);
    if (!s) continue;
    if (s.last) {
      const dt = Math.max(0.001, (now - s.at) / 1000);
      const reqs = Math.max(0, v.requests - s.last.requests);
      const errs = Math.max(0, v.errors - s.last.errors);
      s.points.push({ rps: reqs / dt, eps: errs / dt });
      if (s.points.length > POINTS) s.points.shift();
    }
    s.last = v;
    s.at = now;
    const p = s.points[s.points.length - 1] || { rps: 0, eps: 0 };
    const rate = p.rps ? Math.round((100 * p.eps) / p.rps) : 0;
    const overall = v.requests ? Math.round((100 * v.errors) / v.requests) : 0;
    replace(s.figures, h('strong', {}, s.title),
      h('span', {}, `${p.rps.toFixed(1)} req/s · ${rate}% errors`));
    s.canvas.title = `${v.requests} requests since start, ${overall}% errors (4xx, 5xx, no answer)`;
    s.canvas.setAttribute('aria-label', `${s.title}: ${p.rps.toFixed(1)} requests per second, ${rate}% errors now; ${v.requests} requests since start, ${overall}% errors`);
    draw(s);
  }
}

function draw(s) {
  const c = s.canvas;
  const ratio = window.devicePixelRatio || 1;
  const w = c.clientWidth || 208;
  const hgt = c.clientHeight || 56;
  if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(hgt * ratio); }
  const g = c.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, hgt);
  const max = Math.max(1, ...s.points.map((p) => p.rps));
  const bw = w / POINTS;
  s.points.forEach((p, i) => {
    const x = w - (s.points.length - i) * bw;
    const total = (p.rps / max) * (hgt - 2);
    const bad = (p.eps / max) * (hgt - 2);
    g.fillStyle = '#1f4e8c';
    g.fillRect(x, hgt - total, Math.max(1, bw - 1), total - bad);
    g.fillStyle = '#c81e1e';
    g.fillRect(x, hgt - bad, Math.max(1, bw - 1), bad);
  });
}
