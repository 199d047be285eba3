// The dashboard's one script: Sign-In with Ethereum through the browser's wallet (EIP-1193),
// sign-out, and the live stream (server-sent events) that adds new movements and anomalies to
// the page and leaves it when the grant that opened it ends.
'use strict';

function utc(t) {
  return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function hex(text) {
  return '0x' + Array.from(new TextEncoder().encode(text)).map(b => b.toString(16).padStart(2, '0')).join('');
}

async function signIn() {
  const status = document.getElementById('status');
  status.className = '';
  status.textContent = 'waiting for the wallet…';
  try {
    if (!window.ethereum) throw new Error('there is no Ethereum wallet in this browser (window.ethereum)');
    const [account] = await window.ethereum.request({ method: 'eth_requestAccounts' });
    const c = await fetch('/api/auth/nonce?address=' + encodeURIComponent(account));
    const challenge = await c.json();
    if (!c.ok) throw new Error(challenge.message);
    const signature = await window.ethereum.request({ method: 'personal_sign', params: [hex(challenge.message), account] });
    const r = await fetch('/api/auth/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: challenge.message, signature }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body.message);
    status.textContent = 'signed in as ' + body.session.address;
    location.href = '/';
  } catch (e) {
    status.className = 'error';
    status.textContent = e.message || String(e);
  }
}

async function signOut() {
  await fetch('/api/auth/logout', { method: 'POST' });
  location.href = '/login';
}

function live() {
  const status = document.getElementById('live-status');
  if (!status) return;
  const es = new EventSource('/api/events');
  es.onopen = () => { status.textContent = 'live'; };
  es.onerror = async () => {
    status.textContent = 'reconnecting…';
    // A refused session (grant ended) is a 401/403: go to the sign-in page, which says why.
    const r = await fetch('/api/auth/session');
    if (r.status === 401 || r.status === 403) { es.close(); location.href = '/login'; }
  };
  es.addEventListener('block', e => {
    const d = JSON.parse(e.data);
    for (const id of ['live-block', 'indexed-block']) {
      const el = document.getElementById(id);
      if (el) el.textContent = d.block;
    }
  });
  es.addEventListener('movement', e => {
    const m = JSON.parse(e.data);
    const body = document.querySelector('#live-movements tbody');
    if (!body) return;
    const tr = document.createElement('tr');
    tr.className = 'new';
    cell(tr, m.block, 'n'); cell(tr, utc(m.time)); cell(tr, m.kind);
    cell(tr, m.from); cell(tr, m.to); cell(tr, m.amount, 'n'); cell(tr, m.eth || '', 'n'); cell(tr, m.bucket || '');
    body.insertBefore(tr, body.firstChild);
  });
  es.addEventListener('anomaly', e => {
    const a = JSON.parse(e.data);
    const body = document.querySelector('#anomalies tbody');
    if (body) {
      const tr = document.createElement('tr');
      tr.className = 'new';
      tr.dataset.id = a.id;
      cell(tr, utc(a.time)); cell(tr, a.block == null ? '-' : a.block, 'n'); cell(tr, a.kind); cell(tr, a.detail);
      body.insertBefore(tr, body.firstChild);
    }
    const count = document.getElementById('anomaly-count');
    if (count) count.textContent = String(Number(count.textContent) + 1);
  });
  es.addEventListener('signed-out', () => { es.close(); location.href = '/login'; });
}

document.addEventListener('DOMContentLoaded', () => {
  const signInButton = document.getElementById('sign-in');
  if (signInButton) signInButton.addEventListener('click', signIn);
  const signOutButton = document.getElementById('sign-out');
  if (signOutButton) signOutButton.addEventListener('click', signOut);
  live();
});
