// Small helpers shared by the dashboard's panels: building elements
// (never from HTML strings, so no value of the journal can inject markup),
// formatting, and the state every panel reads.

// state is what the panels share: the session shown and what the
// control API told us once (vendors, their collections, operations).
export const state = {
  session: 'default',
  vendors: [],
  collections: [],
  operations: [],
  paused: false,
};

// h builds an element: h('button', {type: 'button', onclick: f}, 'Go').
// Attributes starting with "on" are listeners; others are attributes;
// children are nodes or text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// replace empties el and puts children in it.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// statusClass is the CSS class of a status: c2 … c5, c0 when there was no
// answer (a connection fault).
export function statusClass(status) {
  return status >= 100 && status <= 599 ? 'c' + Math.floor(status / 100) : 'c0';
}

// statusText is a status as the table shows it.
export function statusText(status) {
  return status ? String(status) : 'none';
}

// clock renders a time as HH:MM:SS.mmm in the browser's zone.
export function clock(iso) {
  const d = new Date(iso);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

// ago renders how long ago a time was, in words a glance reads.
export function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

// pretty indents a body that is JSON and leaves any other text as it is.
export function pretty(text) {
  if (!text) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

// secretKey says whether a record field holds a credential; the data panel
// shows those masked until "Show secrets" is ticked (a demo on a projector
// shows no password by accident). The journal masks on the server.
export function secretKey(key) {
  return /^(password|accesspassword|api-?key|apikey|programme-?key|token|secret|authorization|ssn)$/i.test(key);
}

export const MASK = '••••';

// maskDeep copies a JSON value with every secret field masked.
export function maskDeep(v) {
  if (Array.isArray(v)) return v.map(maskDeep);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = secretKey(k) && x !== null && x !== '' ? MASK : maskDeep(x);
    return out;
  }
  return v;
}

// every runs fn now and then every ms once the last run ended, skipping
// runs while the tab is hidden (a forgotten tab costs the sandbox nothing).
// It returns a function that runs fn at once.
export function every(ms, fn) {
  let timer = 0;
  let running = false;
  const run = async () => {
    clearTimeout(timer);
    if (!running && !document.hidden) {
      running = true;
      try { await fn(); } catch (e) { console.error(e); } finally { running = false; }
    }
    timer = setTimeout(run, ms);
  };
  run();
  return run;
}

// toast tells the user what an action did, in the live region.
export function toast(message, bad = false) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.classList.toggle('bad', bad);
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.textContent = ''; }, bad ? 8000 : 3500);
}

// shellQuote quotes a word for a POSIX shell.
export function shellQuote(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`;
}

// curlOf is a journal entry as a curl command line. Masked header values
// become shell variables (the journal never holds the secret), named in a
// comment first, so the command runs once they are set.
export function curlOf(entry, origin) {
  const skip = new Set(['host', 'content-length', 'connection', 'accept-encoding']);
  const vars = [];
  const lines = [`curl -i -X ${entry.method} ${shellQuote(origin + entry.path + (entry.query ? '?' + entry.query : ''))}`];
  const headers = entry.requestHeaders || {};
  for (const name of Object.keys(headers).sort()) {
    if (skip.has(name.toLowerCase())) continue;
    for (const value of headers[name]) {
      if (value.includes('****')) {
        const scheme = /^authorization$/i.test(name) && value.includes(' ') ? value.split(' ')[0] + ' ' : '';
        const v = scheme ? 'TOKEN' : name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
        if (!vars.includes(v)) vars.push(v);
        lines.push(`-H "${name}: ${scheme}$${v}"`);
      } else {
        lines.push(`-H ${shellQuote(name + ': ' + value)}`);
      }
    }
  }
  if (entry.requestBody) lines.push(`--data-raw ${shellQuote(entry.requestBody)}`);
  const cmd = lines.join(' \\\n  ');
  return vars.length ? `# set ${vars.join(', ')} first: the journal masks secrets\n${cmd}` : cmd;
}

// shortPath is a request path as the traffic table shows it: a vendor's
// prefix of more than one segment (LoanPro's /api/public/api/1, the same on
// every one of its requests) becomes "…", so the part that tells requests
// apart is what the narrow column has room for:
// /api/public/api/1/odata.svc/Customers(5)/Phones → …/odata.svc/Customers(5)/Phones.
// A one-segment prefix says something (Weavr's /multi or /simulate) and
// is kept. The vendors are the control API's (GET /__sandbox/vendors).
export function shortPath(path, vendors = state.vendors) {
  let best = '';
  for (const v of vendors) {
    for (const p of v.prefixes || []) {
      const base = p.replace(/\/+$/, '');
      if (base.length > best.length && base.split('/').length > 2 && (path === base || path.startsWith(base + '/'))) best = base;
    }
  }
  return best ? '…' + path.slice(best.length) : path;
}

// live shows the page's connection to the sandbox in the header: on (live),
// off (paused) or error, with words, not only a colour.
export function live(kind, text) {
  const el = document.getElementById('live');
  el.className = 'live ' + kind;
  el.textContent = text;
}
