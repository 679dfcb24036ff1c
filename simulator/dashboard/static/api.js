// The control API client: every call the page makes goes through api(),
// relative to /__sandbox/, so the page never reaches outside the sandbox.
//
// The admin token (--admin-token) is asked for when a call answers 401 and
// kept in sessionStorage: this tab only, gone when it closes, never in a
// URL the server logs. A link may carry it as #token=… (a fragment never
// leaves the browser); the page stores it and removes it from the address.

const KEY = 'sandbox-admin-token';
const base = new URL('./', location.href); // /__sandbox/ (the page is /__sandbox/ui)

let asking = null; // the pending token prompt, shared by concurrent 401s

// Escape does not dismiss the prompt: nothing works without the token.
document.getElementById('token-dialog').addEventListener('cancel', (ev) => ev.preventDefault());

// takeFragmentToken moves a #token=… of the address into sessionStorage.
export function takeFragmentToken() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export function hasToken() {
  return sessionStorage.getItem(KEY) !== null;
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

// ApiError is a control API refusal, with the sandbox's own message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// api calls the control API: api('sessions'), api('sessions/x/reset',
// {method: 'POST'}), api('sessions/x/triggers', {method: 'POST', body: {...}}).
// It answers the decoded JSON (null for 204) or throws an ApiError.
export async function api(path, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(KEY);
    if (token !== null) headers.Authorization = 'Bearer ' + token;
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const resp = await fetch(new URL(path, base), { method: opts.method || 'GET', headers, body, cache: 'no-store' });
    if (resp.status === 401 && attempt < 5) {
      await askToken(token !== null);
      continue;
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!resp.ok && !(opts.accept || []).includes(resp.status)) {
      const msg = data && data.sandboxError ? data.sandboxError.message : `${resp.status} ${text.slice(0, 200)}`;
      throw new ApiError(resp.status, msg);
    }
    return data;
  }
}

// askToken shows the token dialog once for every caller waiting on it.
function askToken(refused) {
  if (!asking) {
    asking = new Promise((resolve) => {
      const dlg = document.getElementById('token-dialog');
      const form = document.getElementById('token-form');
      const input = document.getElementById('token-input');
      const why = document.getElementById('token-why');
      why.classList.toggle('token-bad', refused);
      if (refused) why.textContent = 'The sandbox refused that token. Enter the --admin-token the sandbox was started with.';
      input.value = '';
      const done = (ev) => {
        ev.preventDefault();
        if (!input.value) return;
        sessionStorage.setItem(KEY, input.value);
        input.value = ''; // the token stays in sessionStorage only
        form.removeEventListener('submit', done);
        dlg.close();
        document.getElementById('forget-token').hidden = false;
        asking = null;
        resolve();
      };
      form.addEventListener('submit', done);
      dlg.showModal();
      input.focus();
    });
  }
  return asking;
}
