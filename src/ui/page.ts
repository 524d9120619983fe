/**
 * The status page: one self-contained HTML document (inline CSS and JS, no external asset, works offline)
 * that polls /ui/api/summary every 2 s and draws what it gets. Every value goes in through textContent or
 * SVG attributes, never as HTML, so a model id a client chose cannot inject markup. When the proxy has
 * client keys, the page asks for one and sends it as a Bearer token (kept in sessionStorage only).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>claudine status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2127}
header{background:#1d2127;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}
main{padding:16px 20px;display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 14px}
section.wide{grid-column:1/-1}
section{overflow-x:auto}
h2{font-size:15px;margin:0 0 8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dt{color:#5b6570}dd{margin:0;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eef0f3;white-space:nowrap}
th{color:#5b6570;font-weight:600}
.ok{color:#137333}.bad{color:#b3261e}.muted{color:#5b6570;font-size:12px}
.big{font-size:28px;font-weight:600}
#key-form{display:none;padding:16px 20px}
svg{width:100%;height:140px;background:#fbfbfc;border:1px solid #eef0f3}
</style></head>
<body>
<header><h1>claudine</h1><span id="version"></span><span id="ready"></span><span class="muted" id="updated"></span></header>
<form id="key-form"><p>This claudine requires a client key (server.api_keys) to show its status.</p>
<input id="key" type="password" autocomplete="off" placeholder="client key"> <button>Show</button></form>
<main id="main">
<section id="status"><h2>Status</h2><dl>
<dt>Version</dt><dd id="s-version"></dd>
<dt>Uptime</dt><dd id="s-uptime"></dd>
<dt>Readiness</dt><dd id="s-readiness"></dd>
<dt>Upstream</dt><dd id="s-upstream"></dd>
<dt>Last upstream answer</dt><dd id="s-last"></dd>
<dt>Answered lately</dt><dd id="s-answered"></dd>
<dt>Connections</dt><dd id="s-connections"></dd>
<dt>Auth method</dt><dd id="s-auth-method"></dd>
<dt>Credential storage</dt><dd id="s-auth-storage"></dd>
<dt>Credential</dt><dd id="s-auth-source"></dd>
</dl></section>
<section id="figures"><h2>Live</h2><dl>
<dt>Requests / min</dt><dd id="f-rpm"></dd>
<dt>In flight (streams)</dt><dd id="f-inflight"></dd>
<dt>Error rate (5 min)</dt><dd id="f-errors"></dd>
<dt>Errors by type</dt><dd id="f-error-types"></dd>
<dt>Time to first byte</dt><dd id="f-ttfb"></dd>
</dl></section>
<section id="cache"><h2>Prompt cache</h2>
<div class="big" id="cache-ratio">–</div><div class="muted">of input tokens read from the cache (since start)</div>
<svg id="cache-chart" viewBox="0 0 600 140" preserveAspectRatio="none" role="img" aria-label="cache hit ratio per minute"></svg>
<div class="muted">share read from cache, per minute, last hour</div></section>
<section class="wide" id="usage"><h2>Usage by model</h2>
<table><thead><tr><th>Model</th><th>Requests</th><th>Input</th><th>Output</th><th>Cache read</th><th>Cache write</th><th>Cache hit</th><th>Est. cost (USD)</th></tr></thead>
<tbody id="models"></tbody></table>
<p class="muted" id="prices"></p></section>
<section class="wide" id="requests"><h2>Latest requests</h2>
<table><thead><tr><th>Time</th><th>Route</th><th>Model</th><th>Status</th><th>Input</th><th>Output</th><th>Cache read</th><th>Cache write</th><th>Cached</th><th>TTFB ms</th><th>Duration ms</th></tr></thead>
<tbody id="request-rows"></tbody></table></section>
</main>
<script>
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var set = function (id, text) { $(id).textContent = text; };
  var num = function (n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); };
  var pct = function (r) { return r === null || r === undefined ? '–' : (r * 100).toFixed(1) + '%'; };
  var usd = function (c) { return c === null || c === undefined ? 'no price' : '$' + c.toFixed(4); };
  var duration = function (s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + 'h ' : '') + (h > 0 || m > 0 ? m + 'm ' : '') + (s % 60) + 's';
  };
  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) { var td = document.createElement('td'); td.textContent = c; tr.appendChild(td); });
    return tr;
  }
  function chart(points) {
    var svg = $('cache-chart'), ns = 'http://www.w3.org/2000/svg';
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    // One 10-unit slot per minute of the last hour, the newest on the right; empty minutes stay empty.
    var now = Date.now();
    points.forEach(function (p) {
      if (p.read_share === null) return;
      var ago = Math.floor((now - Date.parse(p.minute)) / 60000);
      if (ago < 0 || ago >= 60) return;
      var h = Math.max(p.read_share * 130, 1);
      var bar = document.createElementNS(ns, 'rect');
      bar.setAttribute('x', String((59 - ago) * 10 + 1)); bar.setAttribute('width', '8');
      bar.setAttribute('y', String(135 - h)); bar.setAttribute('height', String(h));
      bar.setAttribute('fill', '#3b7ddd');
      var title = document.createElementNS(ns, 'title');
      title.textContent = new Date(p.minute).toLocaleTimeString() + ': ' + pct(p.read_share) + ' of input read from cache';
      bar.appendChild(title); svg.appendChild(bar);
    });
  }
  function render(s) {
    set('version', 'v' + s.version); set('s-version', s.version);
    set('s-uptime', duration(s.uptime_seconds));
    set('ready', s.readiness.ready ? 'ready' : 'not ready');
    $('ready').className = s.readiness.ready ? 'ok' : 'bad';
    set('s-readiness', s.readiness.ready ? 'ready' : 'not ready: ' + (s.readiness.reason || ''));
    set('s-upstream', (s.upstream.url || s.upstream.provider) + (s.upstream.demo ? ' (demo: simulated Claude)' : '') +
      (s.upstream.fallbacks.length ? ', then ' + s.upstream.fallbacks.join(', ') : ''));
    var last = s.upstream.last_answer;
    set('s-last', last ? last.status + ' at ' + new Date(last.at).toLocaleTimeString() + ' from ' + last.upstream : 'none yet');
    var answered = Object.keys(s.upstream.answered).map(function (k) {
      var a = s.upstream.answered[k];
      return k + ': ' + a.requests + ' (last ' + a.last_status + ')';
    });
    set('s-answered', answered.length ? answered.join(', ') : 'none yet');
    var c = s.upstream.connections;
    set('s-connections', c ? c.in_use + ' of ' + c.capacity + ' in use, ' + c.queued + ' waiting' : '–');
    set('s-auth-method', s.auth.method); set('s-auth-storage', s.auth.storage);
    set('s-auth-source', s.auth.source ? 'loaded from ' + s.auth.source : (s.readiness.ready ? '–' : 'none usable'));
    var f = s.figures;
    set('f-rpm', num(f.requests_per_minute));
    set('f-inflight', f.requests_in_flight + ' (' + f.streams_in_flight + ' streaming)');
    set('f-errors', pct(f.error_rate_5m));
    var types = Object.keys(f.errors_5m_by_type).map(function (k) { return k + ': ' + f.errors_5m_by_type[k]; });
    set('f-error-types', types.length ? types.join(', ') : 'none');
    set('f-ttfb', 'p50 ' + num(f.ttfb_ms.p50) + ' ms, p99 ' + num(f.ttfb_ms.p99) + ' ms (last ' + f.ttfb_ms.over_requests + ' requests)');
    set('cache-ratio', pct(s.cache.read_share));
    chart(s.cache.per_minute);
    var models = $('models'); models.textContent = '';
    s.models.forEach(function (m) {
      models.appendChild(row([m.model, num(m.requests), num(m.input_tokens), num(m.output_tokens), num(m.cache_read_tokens), num(m.cache_write_tokens), pct(m.cache_read_share), usd(m.estimated_cost_usd)]));
    });
    models.appendChild(row(['Total', '', '', '', '', '', '', usd(s.estimated_cost_usd)]));
    set('prices', 'Estimated from list prices (' + s.prices.unit + ') at ' + s.prices.source + ' as of ' + s.prices.date + '; cache writes at the 5-minute rate. Override with ui.prices.');
    var rows = $('request-rows'); rows.textContent = '';
    s.recent.forEach(function (r) {
      rows.appendChild(row([new Date(r.at).toLocaleTimeString(), r.route, r.model || '–', String(r.status) + (r.error ? ' ' + r.error : ''), num(r.input_tokens), num(r.output_tokens), num(r.cache_read_tokens), num(r.cache_write_tokens), pct(r.cache_read_share), num(r.ttfb_ms), num(r.duration_ms)]));
    });
    set('updated', 'updated ' + new Date().toLocaleTimeString());
    window.lastSummary = s;
  }
  function poll() {
    var key = sessionStorage.getItem('claudine-key');
    var headers = key ? { authorization: 'Bearer ' + key } : {};
    fetch('/ui/api/summary', { headers: headers, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { $('key-form').style.display = 'block'; $('main').style.display = 'none'; return null; }
        if (!r.ok) throw new Error('status ' + r.status);
        $('key-form').style.display = 'none'; $('main').style.display = '';
        return r.json();
      })
      .then(function (s) { if (s) render(s); })
      .catch(function (e) { set('updated', 'cannot reach claudine: ' + e.message); })
      .then(function () { window.polls = (window.polls || 0) + 1; setTimeout(poll, 2000); });
  }
  $('key-form').addEventListener('submit', function (e) {
    e.preventDefault(); sessionStorage.setItem('claudine-key', $('key').value); $('key').value = '';
  });
  poll();
})();
</script>
</body></html>
`;
