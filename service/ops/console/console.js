// eventlog console: a small single-page app over eventlogd's read-only JSON
// API (/api/v1/...). Pages are chosen by the URL's hash: #/topics,
// #/topic/NAME, #/groups, #/group/NAME, #/records?topic=T&partition=P&offset=O.
// Live pages poll the API; rates are the change of the broker's counters
// between two polls. With authentication on, the API wants a bearer token:
// the console asks for one and keeps it for this browser tab only.
// Data is always inserted as text (never as HTML).
'use strict';

const POLL_MS = Number(new URLSearchParams(location.search).get('poll_ms')) || 2000;
const HISTORY = 60; // points kept per chart
const TOKEN_KEY = 'eventlog-token';
let timers = [];
let charts = [];

// ---- helpers --------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function table(headers, rows, numeric) {
  const num = new Set(numeric || []);
  const head = el('tr', {}, ...headers.map((h, i) => el('th', num.has(i) ? { class: 'num' } : {}, h)));
  // data-label: narrow screens show each row as a card of "label value" lines.
  const body = rows.map((cells) => el('tr', {}, ...cells.map((c, i) =>
    el('td', Object.assign({ 'data-label': headers[i] }, num.has(i) ? { class: 'num' } : {}), c))));
  return el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
}

function fmtInt(n) { return Number(n).toLocaleString('en-US'); }
function fmtBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n), u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return (u === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[u];
}
function fmtRate(n) { return n === null ? '–' : (n < 10 ? n.toFixed(1) : fmtInt(Math.round(n))); }
function timeLabel() { return new Date().toLocaleTimeString('en-GB', { hour12: false }); }

function setMain(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children);
}

function every(ms, fn) { fn(); timers.push(setInterval(fn, ms)); }

function stopPage() {
  timers.forEach(clearInterval);
  timers = [];
  charts.forEach((c) => c.destroy());
  charts = [];
}

// ---- API ------------------------------------------------------------------

class AuthNeeded extends Error {}

async function api(endpoint, params) {
  const query = params ? '?' + new URLSearchParams(params).toString() : '';
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch('/api/v1/' + endpoint + query, { headers });
  if (response.status === 401) throw new AuthNeeded('a token is needed');
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function showError(error) {
  if (error instanceof AuthNeeded) { tokenPage(); return; }
  setMain(el('p', { class: 'error' }, String(error.message || error)));
}

function tokenPage() {
  stopPage();
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'off' });
  const form = el('form', { class: 'controls', onsubmit: (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value);
    route();
    footer();
  } }, el('label', {}, 'Token (from --auth_tokens)', input), el('button', { type: 'submit' }, 'Sign in'));
  setMain(el('h1', {}, 'Sign in'), el('p', { class: 'muted' },
    'This eventlogd requires a token. It is kept for this tab only.'), form);
}

// ---- charts ---------------------------------------------------------------

const COLORS = ['#1f6feb', '#d4a72c', '#2da44e', '#cf222e', '#8250df', '#0a7ea4', '#bf3989', '#57606a'];

function lineChart(title, yLabel) {
  const canvas = el('canvas', { 'aria-label': title, role: 'img' });
  const box = el('div', { class: 'chart' }, canvas);
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: { y: { beginAtZero: true, title: { display: true, text: yLabel } } },
      elements: { point: { radius: 2 } },
    },
  });
  charts.push(chart);
  return { box, chart };
}

// Appends one point per series ({name: value}) at `label`.
function pushPoint(chart, label, series) {
  chart.data.labels.push(label);
  for (const [name, value] of Object.entries(series)) {
    let set = chart.data.datasets.find((d) => d.label === name);
    if (!set) {
      const color = COLORS[chart.data.datasets.length % COLORS.length];
      set = { label: name, data: new Array(chart.data.labels.length - 1).fill(null),
              borderColor: color, backgroundColor: color, borderWidth: 2, tension: 0.2 };
      chart.data.datasets.push(set);
    }
    set.data.push(value);
  }
  for (const set of chart.data.datasets) {
    while (set.data.length < chart.data.labels.length) set.data.push(null);
  }
  if (chart.data.labels.length > HISTORY) {
    chart.data.labels.shift();
    chart.data.datasets.forEach((d) => d.data.shift());
  }
  chart.update('none');
}

// Rates per second between successive counter samples, per key.
class RateMeter {
  constructor() { this.last = null; }
  next(counters) {
    const now = performance.now();
    let rates = null;
    if (this.last) {
      const seconds = (now - this.last.at) / 1000;
      rates = {};
      for (const k of Object.keys(counters)) rates[k] = Math.max(0, (counters[k] - this.last.counters[k]) / seconds);
    }
    this.last = { at: now, counters };
    return rates;
  }
}

// ---- pages ----------------------------------------------------------------

function topicsPage() {
  const meters = new Map();
  const holder = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  setMain(el('h1', {}, 'Topics'), holder);
  every(POLL_MS, async () => {
    try {
      const { topics } = await api('topics');
      if (topics.length === 0) {
        holder.replaceChildren(el('p', { class: 'muted' }, 'No topics yet.'));
        return;
      }
      const rows = topics.map((t) => {
        if (!meters.has(t.name)) meters.set(t.name, new RateMeter());
        const rates = meters.get(t.name).next(t.counters);
        return [el('a', { href: '#/topic/' + encodeURIComponent(t.name) }, t.name), t.partitions,
          fmtInt(t.records), fmtBytes(t.size_bytes),
          fmtRate(rates && rates.records_produced), rates ? fmtBytes(rates.bytes_produced) + '/s' : '–',
          fmtRate(rates && rates.records_delivered + rates.records_fetched)];
      });
      holder.replaceChildren(table(['Topic', 'Partitions', 'Records', 'Size', 'In records/s', 'In bytes/s',
        'Out records/s'], rows, [1, 2, 3, 4, 5, 6]));
    } catch (e) { showError(e); }
  });
}

function topicPage(name) {
  const records = lineChart('Records/s', 'records/s');
  const bytes = lineChart('Bytes/s', 'bytes/s');
  const config = el('div');
  const partitions = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  setMain(el('h1', {}, 'Topic ', name), el('div', { class: 'charts' }, records.box, bytes.box),
    el('h2', {}, 'Partitions'), partitions, el('h2', {}, 'Config'), config);
  const meter = new RateMeter();
  every(POLL_MS, async () => {
    try {
      const t = await api('topic', { name });
      config.replaceChildren(el('dl', { class: 'config' }, ...Object.entries(t.config).flatMap(
        ([k, v]) => [el('dt', {}, k), el('dd', {}, v)])));
      partitions.replaceChildren(table(['Partition', 'Log start', 'High watermark', 'Log end', 'Size', ''],
        t.partitions.map((p) => [p.partition, fmtInt(p.log_start_offset), fmtInt(p.high_watermark),
          fmtInt(p.log_end_offset), fmtBytes(p.size_bytes),
          el('a', { href: `#/records?topic=${encodeURIComponent(name)}&partition=${p.partition}` }, 'records')]),
        [0, 1, 2, 3, 4]));
      const rates = meter.next(t.counters);
      if (!rates) return;
      const label = timeLabel();
      pushPoint(records.chart, label, { produced: rates.records_produced,
        delivered: rates.records_delivered, fetched: rates.records_fetched });
      pushPoint(bytes.chart, label, { produced: rates.bytes_produced,
        delivered: rates.bytes_delivered, fetched: rates.bytes_fetched });
    } catch (e) { showError(e); }
  });
}

function groupsPage() {
  const holder = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  setMain(el('h1', {}, 'Consumer groups'), holder);
  every(POLL_MS, async () => {
    try {
      const { groups } = await api('groups');
      holder.replaceChildren(groups.length === 0 ? el('p', { class: 'muted' }, 'No groups yet.') :
        table(['Group', 'Generation', 'Members', 'Lag'], groups.map((g) => [
          el('a', { href: '#/group/' + encodeURIComponent(g.name) }, g.name), g.generation, g.members,
          // Partitions led by another broker have no lag here (a cluster).
          g.partitions_lag_unknown > 0 ? `${fmtInt(g.lag)} + ? (${g.partitions_lag_unknown} led elsewhere)`
            : fmtInt(g.lag)]), [1, 2, 3]));
    } catch (e) { showError(e); }
  });
}

function groupPage(name) {
  const lagChart = lineChart('Lag per partition', 'records');
  const members = el('div');
  const lags = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  const generation = el('span');
  setMain(el('h1', {}, 'Group ', name), el('p', { class: 'muted' }, 'Generation ', generation),
    el('div', { class: 'charts' }, lagChart.box), el('h2', {}, 'Members and assignments'), members,
    el('h2', {}, 'Lag per partition'), lags);
  every(POLL_MS, async () => {
    try {
      const g = await api('group', { name });
      generation.textContent = g.generation;
      members.replaceChildren(g.members.length === 0 ? el('p', { class: 'muted' }, 'No live members.') :
        table(['Member', 'Topic', 'Partitions'], g.members.map((m) => [m.member_id, m.topic,
          m.partitions.join(', ') || '–'])));
      lags.replaceChildren(table(['Topic', 'Partition', 'Committed', 'High watermark', 'Lag'],
        g.lags.map((l) => [l.topic, l.partition, l.committed_offset < 0 ? '–' : fmtInt(l.committed_offset),
          l.high_watermark < 0 ? '? (led elsewhere)' : fmtInt(l.high_watermark),
          l.lag < 0 ? '?' : fmtInt(l.lag)]), [1, 2, 3, 4]));
      const series = {};
      for (const l of g.lags) if (l.lag >= 0) series[`${l.topic}/${l.partition}`] = l.lag;
      pushPoint(lagChart.chart, timeLabel(), series);
    } catch (e) { showError(e); }
  });
}

// ---- record browser -------------------------------------------------------

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function hex(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.slice(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.join('\n');
}

// The bytes as the chosen format: text, json, hex, or auto (JSON if it
// parses, text if it is UTF-8, else hex).
function formatBytes(bytes, format) {
  if (bytes.length === 0) return '';
  if (format === 'hex') return hex(bytes);
  let text = null;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch (e) { text = null; }
  if (format === 'text') return text !== null ? text : new TextDecoder('utf-8').decode(bytes);
  if (text !== null) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
  }
  if (format === 'json') return '(not JSON) ' + (text !== null ? text : hex(bytes));
  return text !== null ? text : hex(bytes);
}

async function recordsPage(query) {
  const params = new URLSearchParams(query);
  const topic = params.get('topic') || '';
  const partition = params.get('partition') || '0';
  const offset = params.get('offset') || '';
  const format = params.get('format') || 'auto';
  const topicSelect = el('select', { name: 'topic', id: 'topic' });
  const partitionInput = el('input', { name: 'partition', id: 'partition', type: 'number', min: '0', value: partition });
  const offsetInput = el('input', { name: 'offset', id: 'offset', type: 'number', min: '0', value: offset, placeholder: 'newest' });
  const formatSelect = el('select', { name: 'format', id: 'format' },
    ...['auto', 'text', 'json', 'hex'].map((f) => el('option', f === format ? { value: f, selected: '' } : { value: f }, f)));
  const go = (o) => {
    const next = new URLSearchParams({ topic: topicSelect.value, partition: partitionInput.value, format: formatSelect.value });
    if (o !== '' && o !== null && o !== undefined) next.set('offset', o);
    location.hash = '#/records?' + next.toString();
  };
  const form = el('form', { class: 'controls', onsubmit: (e) => { e.preventDefault(); go(offsetInput.value); } },
    el('label', {}, 'Topic', topicSelect), el('label', {}, 'Partition', partitionInput),
    el('label', {}, 'Offset', offsetInput), el('label', {}, 'Value as', formatSelect),
    el('button', { type: 'submit' }, 'Show'));
  const results = el('div');
  setMain(el('h1', {}, 'Records'), form, results);
  try {
    const { topics } = await api('topics');
    for (const t of topics) topicSelect.append(el('option', t.name === topic ? { value: t.name, selected: '' } : { value: t.name }, t.name));
    if (topics.length === 0) { results.replaceChildren(el('p', { class: 'muted' }, 'No topics yet.')); return; }
    if (!topic) { go(''); return; }
    const page = await api('records', offset === '' ? { topic, partition } : { topic, partition, offset });
    const rows = page.records.map((r) => [
      r.offset,
      new Date(r.timestamp_ms).toISOString(),
      el('pre', { class: 'value' }, formatBytes(decodeBase64(r.key), format === 'hex' ? 'hex' : 'text')),
      el('pre', { class: 'value record-value' }, formatBytes(decodeBase64(r.value), format)),
      el('pre', { class: 'value' }, r.headers.map((h) => `${h.key}: ${formatBytes(decodeBase64(h.value), 'text')}`).join('\n')),
    ]);
    const older = el('button', { class: 'secondary', type: 'button', onclick: () => go(Math.max(page.log_start_offset, page.offset - 20)) }, '← older');
    const newer = el('button', { class: 'secondary', type: 'button', onclick: () => go(page.next_offset) }, 'newer →');
    if (page.offset <= page.log_start_offset) older.disabled = true;
    if (page.next_offset >= page.high_watermark) newer.disabled = true;
    results.replaceChildren(
      el('p', { class: 'muted' }, `Offsets ${fmtInt(page.log_start_offset)} to ${fmtInt(page.high_watermark - 1)} stored.`),
      rows.length === 0 ? el('p', { class: 'muted' }, 'No records here.') :
        table(['Offset', 'Timestamp', 'Key', 'Value', 'Headers'], rows, [0]),
      el('div', { class: 'pager' }, older, newer));
  } catch (e) { showError(e); }
}

// ---- routing --------------------------------------------------------------

function route() {
  stopPage();
  const [rawPath, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [page, ...rest] = rawPath.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  document.querySelectorAll('nav a').forEach((a) => {
    const nav = a.dataset.nav;
    a.classList.toggle('active', nav === page || nav === page + 's' || (page === '' && nav === 'topics'));
  });
  if (page === 'topic' && arg) topicPage(arg);
  else if (page === 'groups') groupsPage();
  else if (page === 'group' && arg) groupPage(arg);
  else if (page === 'records') recordsPage(query || '');
  else topicsPage();
}

async function footer() {
  try {
    const o = await api('overview');
    // Which broker answers: a cluster's brokers each serve a console.
    document.getElementById('build').textContent =
        `eventlog ${o.version} (${o.revision}) · broker ${o.broker_id}`;
    document.getElementById('who').textContent = o.authentication ? 'signed in as ' + o.principal : '';
  } catch (e) {
    if (!(e instanceof AuthNeeded)) document.getElementById('build').textContent = 'eventlog';
  }
}

window.addEventListener('hashchange', () => { route(); footer(); });
footer();
route();
