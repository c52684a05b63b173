'use strict';
// Live charts of the status page: requests/s, p50/p99 latency and pending sessions for the server and for
// each extension, over the last minutes, from /hse/history.json (sampled from the same meters as
// /hse/metrics). Hand-drawn SVG: no library, no CDN, works offline.
(function () {
  const REFRESH_MS = 2000;
  const W = 300, H = 90, PAD = 4;
  const NS = 'http://www.w3.org/2000/svg';
  const SERIES = [
    { key: 'rps', title: 'requests/s', lines: [['rps', 'c-rps']], unit: '/s' },
    { key: 'latency', title: 'latency p50 / p99', lines: [['p50ms', 'c-p50'], ['p99ms', 'c-p99']], unit: ' ms' },
    { key: 'pending', title: 'pending sessions', lines: [['pending', 'c-pending']], unit: '' },
  ];

  function svg(tag, attrs) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  function fmt(v) {
    return v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  // One chart: a polyline per line, scaled to the largest value shown; the label says that value.
  function chart(id, spec, points, span) {
    const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart', 'data-chart': id });
    box.appendChild(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'chart-bg' }));
    let max = 0;
    for (const [field] of spec.lines) for (const p of points) max = Math.max(max, p[field] || 0);
    const top = max > 0 ? max * 1.1 : 1;
    const t1 = points.length ? points[points.length - 1].t : 0;
    for (const [field, cls] of spec.lines) {
      const xy = points.map(p => {
        const x = W - PAD - (t1 - p.t) / span * (W - 2 * PAD);
        const y = H - PAD - (p[field] || 0) / top * (H - 2 * PAD);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      box.appendChild(svg('polyline', { points: xy.join(' '), class: 'line ' + cls, 'data-field': field }));
    }
    const label = svg('text', { x: PAD + 2, y: 14, class: 'chart-label' });
    const last = points.length ? points[points.length - 1] : {};
    label.textContent = spec.title + ': ' + spec.lines.map(([f]) => fmt(last[f] || 0)).join(' / ') + spec.unit
      + ' (max ' + fmt(max) + spec.unit + ')';
    box.appendChild(label);
    box.dataset.max = String(max);
    box.dataset.points = String(points.length);
    return box;
  }

  function row(name, points, span) {
    const div = document.createElement('div');
    div.className = 'chart-row';
    div.dataset.name = name;
    const h = document.createElement('h3');
    h.textContent = name === '' ? 'server' : '/ext/' + name;
    div.appendChild(h);
    for (const spec of SERIES) div.appendChild(chart((name || 'server') + '-' + spec.key, spec, points, span));
    return div;
  }

  function render(h) {
    const samples = h.samples || [];
    const span = Math.max(1, (samples.length > 1 ? samples.length - 1 : 1)) * h.intervalMs;
    const window = Math.max(span, 60000);
    const rows = [row('', samples, window)];
    const names = new Set();
    for (const s of samples) for (const n of Object.keys(s.extensions || {})) names.add(n);
    for (const n of [...names].sort()) {
      const pts = samples.filter(s => s.extensions && s.extensions[n])
        .map(s => Object.assign({ t: s.t }, s.extensions[n]));
      rows.push(row(n, pts, window));
    }
    document.getElementById('charts').replaceChildren(...rows);
    document.getElementById('chartsSpan').textContent = Math.round(span / 1000) + ' s';
  }

  async function refresh() {
    try {
      const r = await fetch('/hse/history.json', { cache: 'no-store' });
      if (r.ok) render(await r.json());
    } catch (e) {
      // the status part of the page shows the connection problem
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }
  refresh();
})();
