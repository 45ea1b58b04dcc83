// Gateway dashboard: refreshes the live sections from /dashboard/state and drives the explain form.
// Values are written with textContent only: nothing from the state or a trace is parsed as HTML.
'use strict';

const POLL_MS = 2000;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function fillTable(id, rows, cells, rowClass) {
  const body = document.querySelector('#' + id + ' tbody');
  if (!body) return;
  const fresh = document.createElement('tbody');
  for (const row of rows) {
    const tr = el('tr', undefined, rowClass ? rowClass(row) : '');
    for (const cell of cells(row)) {
      const td = typeof cell === 'object' && cell !== null ? cell : el('td', cell);
      tr.appendChild(td);
    }
    fresh.appendChild(tr);
  }
  body.replaceWith(fresh);
}

// ISO 8601 from the server → "2026-12-02 03:28:48Z" (UTC, to the second).
function when(value) {
  const date = new Date(value);
  return isNaN(date) ? String(value ?? '') : date.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

function num(value) {
  return el('td', value ?? '', 'num');
}

function render(state) {
  const config = state.configuration;
  document.getElementById('config-generation').textContent = config.generation;
  document.getElementById('config-loaded').textContent = when(config.loadedAt);
  const rejected = document.getElementById('config-rejected');
  rejected.replaceChildren();
  if (config.lastRejected) {
    rejected.appendChild(el('p', 'Last rejected reload at ' + when(config.lastRejected.at) + ':', 'bad'));
    const list = el('ul');
    for (const error of config.lastRejected.errors) {
      const item = el('li');
      item.appendChild(el('code', error));
      list.appendChild(item);
    }
    rejected.appendChild(list);
  } else {
    rejected.appendChild(el('p', 'No reload rejected since the start.', 'muted'));
  }

  document.getElementById('counting-since').textContent = 'since ' + when(state.countingSince);
  fillTable('decisions', state.decisions, r => [r.decision, r.reason, num(r.count)]);
  fillTable('shadow', state.shadow, r => [r.route, r.policy, r.shadow, r.enforced, num(r.count)], r => r.disagrees ? 'disagree' : '');
  fillTable('disagreements', state.disagreements, r => [when(r.at), r.route, r.policy, r.shadow, r.enforced, r.failedRequirement ?? '', r.traceId]);
  fillTable('routes', state.routes, r => {
    const headers = el('td');
    for (const h of r.claimHeaders) {
      const line = el('div');
      line.appendChild(el('code', h.header));
      line.appendChild(document.createTextNode(' ← ' + h.claim + ' '));
      line.appendChild(el('span', '(' + h.issuer + ')', 'muted'));
      headers.appendChild(line);
    }
    return [r.id, r.path, r.hosts, r.methods, r.policy, r.shadowPolicy ?? '', r.issuers, headers];
  });
  fillTable('issuers', state.issuers, i => [i.name, i.issuer, num(i.keyCount), num(i.keyAgeSeconds), i.source ?? '', i.keysLoaded ? i.staleness : 'not loaded', i.lastError ?? '']);
  document.getElementById('redis').textContent = state.redis.state;
}

async function poll() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/dashboard/state', { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    render(await response.json());
    status.textContent = 'live · updated ' + new Date().toLocaleTimeString();
    status.className = 'muted';
  } catch (error) {
    status.textContent = 'not updating: ' + error.message;
    status.className = 'bad';
  }
}

function renderTrace(trace) {
  const out = document.getElementById('explain-result');
  out.replaceChildren();
  const answer = trace.answer;
  const verdict = answer.forwarded ? 'Forwarded (' + answer.decision + ')' : answer.status ? answer.status + ' ' + answer.decision + ' (' + answer.reason + ')' : 'No answer: ' + answer.detail;
  out.appendChild(el('p', verdict, 'answer ' + (answer.forwarded ? 'ok' : 'bad')));

  const facts = el('dl');
  const fact = (term, value) => { if (value === undefined || value === null || value === '') return; facts.appendChild(el('dt', term)); facts.appendChild(el('dd', value)); };
  fact('Request', trace.method + ' ' + trace.host + trace.path);
  fact('Request guard', trace.guardRefusal ? 'refused: ' + trace.guardRefusal : 'pass');
  fact('Route', trace.route ?? trace.noRouteReason);
  fact('Policy', trace.policy);
  fact('Issuer', trace.issuer);
  if (trace.failedRequirement) fact('Failed requirement', trace.failedRequirement.path + ': ' + trace.failedRequirement.description);
  if (trace.shadow) fact('Shadow policy', trace.shadow.policy + ': would ' + trace.shadow.decision + (trace.shadow.failedRequirement ? ' (' + trace.shadow.failedRequirement.path + ')' : '') + ' — not enforced');
  fact('WWW-Authenticate', answer.challenge);
  if (!answer.forwarded) fact('Detail', answer.detail);
  for (const note of trace.notes ?? []) fact('Note', note);
  out.appendChild(facts);

  if (trace.validation && trace.validation.length) {
    out.appendChild(el('h3', 'Validation'));
    const table = el('table');
    for (const stage of trace.validation) {
      const tr = el('tr');
      tr.appendChild(el('td', stage.result, stage.result));
      tr.appendChild(el('td', stage.stage));
      tr.appendChild(el('td', stage.detail ?? '', 'muted'));
      table.appendChild(tr);
    }
    out.appendChild(table);
  }

  if (trace.requirements && trace.requirements.length) {
    out.appendChild(el('h3', 'Requirements of policy ' + trace.policy));
    const table = el('table');
    table.id = 'explain-requirements';
    for (const r of trace.requirements) {
      const tr = el('tr');
      tr.appendChild(el('td', r.passed ? 'pass' : 'fail', r.passed ? 'pass' : 'fail'));
      tr.appendChild(el('td', r.description, 'indent-' + Math.min(r.depth, 3)));
      tr.appendChild(el('td', r.seen ?? '', 'muted'));
      const path = el('td');
      path.appendChild(el('code', r.path));
      tr.appendChild(path);
      table.appendChild(tr);
    }
    out.appendChild(table);
  }

  if (trace.claimHeaders && trace.claimHeaders.length) {
    out.appendChild(el('h3', 'Claim headers forwarded'));
    const table = el('table');
    for (const h of trace.claimHeaders) {
      const tr = el('tr');
      const name = el('td');
      name.appendChild(el('code', h.name));
      tr.appendChild(name);
      tr.appendChild(el('td', h.value));
      table.appendChild(tr);
    }
    out.appendChild(table);
  }
}

async function explain(event) {
  event.preventDefault();
  const form = event.target;
  const body = { method: form.method.value, url: form.url.value.trim() };
  if (form.token.value.trim()) body.token = form.token.value.trim();
  if (form.claims.value.trim()) body.claims = form.claims.value.trim();
  const out = document.getElementById('explain-result');
  out.replaceChildren(el('p', 'Explaining…', 'muted'));
  try {
    const response = await fetch('/dashboard/explain', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
    const payload = await response.json();
    if (!response.ok) {
      out.replaceChildren(el('p', payload.detail ?? ('HTTP ' + response.status), 'bad'));
      return;
    }
    renderTrace(payload);
  } catch (error) {
    out.replaceChildren(el('p', 'Explain failed: ' + error.message, 'bad'));
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('explain-form').addEventListener('submit', explain);
  poll();
  setInterval(poll, POLL_MS);
});
