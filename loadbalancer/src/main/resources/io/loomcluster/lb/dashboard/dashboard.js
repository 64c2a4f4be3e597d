'use strict';
// Follows /events (one JSON snapshot a second) and redraws in place; no page reloads, no libraries.
(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const STALE_MILLIS = 5000;
  const $ = (id) => document.getElementById(id);
  const cards = new Map();
  const pools = new Map();
  const jobCards = new Map();
  let source = null;
  let lastEvent = 0;

  const fmt = (v, digits = 1) => (v === null || v === undefined ? '–'
    : v >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toFixed(digits)).toString());
  const ms = (v) => (v === null ? '–' : fmt(v, v < 10 ? 2 : 1) + ' ms');
  const pct = (v) => (v === null ? '–' : fmt(v, 2) + ' %');
  const live = (sse, ws) => (sse === null ? '–' : fmt(sse, 0) + ' · ' + fmt(ws, 0));

  // Line and area of one series, newest at the right; nulls (no requests that second) leave gaps.
  // A short history is drawn over at least a minute so that it does not shrink to a sliver.
  function spark(svg, values, size) {
    const span = Math.max(2, Math.min(size, Math.max(values.length, 60)));
    const max = Math.max(1e-9, ...values.filter((v) => v !== null));
    const x = (i) => ((span - values.length + i) / (span - 1)) * 100;
    const y = (v) => 23 - (v / max) * 21;
    let line = '', area = '';
    values.forEach((v, i) => {
      if (v === null) { return; }
      const p = x(i).toFixed(2) + ',' + y(v).toFixed(2);
      const begins = i === 0 || values[i - 1] === null;
      line += (begins ? 'M' : 'L') + p;
      area += (begins ? 'M' + x(i).toFixed(2) + ',24L' : 'L') + p;
      if (i === values.length - 1 || values[i + 1] === null) { area += 'L' + x(i).toFixed(2) + ',24Z'; }
    });
    if (!svg.firstChild) {
      ['area', 'line'].forEach((cls) => {
        const path = document.createElementNS(SVG, 'path');
        path.setAttribute('class', cls);
        svg.appendChild(path);
      });
    }
    svg.children[0].setAttribute('d', area);
    svg.children[1].setAttribute('d', line);
  }

  // One section per pool, in the order of LB_ROUTES: its rules, strategy, health, then its backends.
  function pool(p, order) {
    let el = pools.get(p.name);
    if (!el) {
      el = $('pool-section').content.firstElementChild.cloneNode(true);
      el.dataset.pool = p.name;
      el.querySelector('.pool-name').textContent = p.name;
      pools.set(p.name, el);
    }
    if ($('backends').children[order] !== el) { $('backends').insertBefore(el, $('backends').children[order] || null); }
    el.dataset.health = p.available === 0 ? 'none' : p.available < p.backends ? 'some' : 'all';
    el.querySelector('.pool-health').textContent = p.available + ' / ' + p.backends + ' available';
    el.querySelector('.pool-strategy').textContent = p.strategy;
    el.querySelector('.pool-check').textContent = 'health check ' + p.healthPath;
    const rules = el.querySelector('.rules');
    const text = p.rules.join('\n');
    if (rules.dataset.text !== text) {
      rules.dataset.text = text;
      rules.replaceChildren(...p.rules.map((r) => {
        const li = document.createElement('li');
        li.textContent = r;
        return li;
      }));
    }
    return el;
  }

  function card(b) {
    const key = b.pool + ' ' + b.url;
    let el = cards.get(key);
    if (!el) {
      el = $('backend-card').content.firstElementChild.cloneNode(true);
      el.dataset.backend = b.url;
      el.dataset.pool = b.pool;
      el.querySelector('.address').textContent = b.address;
      el.querySelector('.address').title = b.url;
      cards.set(key, el);
      pools.get(b.pool).querySelector('.backends').appendChild(el);
    }
    return el;
  }

  const seconds = (millis) => (millis === null ? '–' : fmt(millis / 1000, millis < 10000 ? 1 : 0) + ' s');

  // The jobs panel: one card per job type, or the reason there is nothing to show.
  function jobs(j) {
    const reason = $('jobs-reason');
    reason.hidden = j.reason === null;
    reason.textContent = j.reason === null ? '' : (j.queues.length ? 'Stale: ' : 'No job figures: ') + j.reason;
    $('jobs-updated').textContent = j.time ? 'from Redis every ' + Math.round(j.intervalMillis / 1000)
      + ' s · sampled ' + new Date(j.time).toLocaleTimeString() : '';
    j.queues.forEach((q) => {
      let el = jobCards.get(q.type);
      if (!el) {
        el = $('job-card').content.firstElementChild.cloneNode(true);
        el.dataset.job = q.type;
        el.querySelector('.address').textContent = q.type;
        el.querySelector('.stream').textContent = q.stream;
        jobCards.set(q.type, el);
        $('jobs').appendChild(el);
      }
      el.querySelector('.f-waiting').textContent = fmt(q.waiting, 0);
      el.querySelector('.f-pending').textContent = fmt(q.pending, 0);
      el.querySelector('.f-oldest').textContent = q.pending ? seconds(q.oldestPendingMillis) : '–';
      el.querySelector('.f-scheduled').textContent = fmt(q.scheduled, 0);
      el.querySelector('.f-dead').textContent = fmt(q.dead, 0);
      el.querySelector('.f-length').textContent = fmt(q.length, 0);
      el.dataset.dead = q.dead > 0 ? 'yes' : 'no';
      const depth = q.history.pending.map((p, i) => (q.history.waiting[i] === null ? p : p + q.history.waiting[i]));
      spark(el.querySelector('.s-depth'), depth, j.historySize);
      spark(el.querySelector('.s-lag'), q.history.oldestPendingMillis.map((v) => v / 1000), j.historySize);
    });
  }

  function render(snap) {
    const c = snap.cluster;
    $('strategy').textContent = snap.strategy;
    $('t-available').textContent = c.available;
    $('t-backends').textContent = c.backends;
    $('t-rps').textContent = fmt(c.rps);
    $('t-errors').textContent = pct(c.errorPercent);
    $('t-inflight').textContent = c.inFlight;
    $('t-live').textContent = live(c.sse, c.websocket);
    spark($('t-rps-spark'), c.rpsHistory, snap.historySize);
    spark($('t-errors-spark'), c.errorHistory, snap.historySize);
    const minutes = Math.max(1, Math.round((c.rpsHistory.length * snap.intervalMillis) / 60000));
    $('updated').textContent = 'charts: last ' + minutes + ' min · updated ' + new Date(snap.time).toLocaleTimeString();

    snap.pools.forEach((p, i) => pool(p, i));
    const seen = new Set();
    snap.backends.forEach((b) => {
      seen.add(b.pool + ' ' + b.url);
      const el = card(b);
      const state = el.querySelector('.state');
      state.textContent = b.state;
      el.dataset.state = b.state;
      el.querySelector('.f-rps').textContent = fmt(b.rps);
      el.querySelector('.f-errors').textContent = pct(b.errorPercent);
      el.querySelector('.f-inflight').textContent = b.inFlight;
      el.querySelector('.f-p50').textContent = ms(b.p50Millis);
      el.querySelector('.f-p99').textContent = ms(b.p99Millis);
      el.querySelector('.f-live').textContent = live(b.sse, b.websocket);
      el.querySelector('.totals-line').textContent =
        b.requests.toLocaleString('en-US') + ' requests · ' + b.failures.toLocaleString('en-US') + ' failed';
      spark(el.querySelector('.s-rps'), b.history.rps, snap.historySize);
      spark(el.querySelector('.s-p99'), b.history.p99Millis, snap.historySize);
    });
    for (const [key, el] of cards) {
      if (!seen.has(key)) { el.remove(); cards.delete(key); }
    }
    $('empty').hidden = snap.backends.length > 0;
    // Which bound or failure the balancer's own answers (a 503, a 504) came from, since it started.
    const causes = Object.entries(snap.failures || {});
    $('failures').textContent = 'Answered by the balancer, by cause: ' + (causes.length === 0 ? 'none'
      : causes.map(([cause, n]) => cause.replace(/_/g, ' ') + ' ' + n.toLocaleString('en-US')).join(' · '));
    jobs(snap.jobs);
  }

  function connected(ok, text) {
    $('live').dataset.live = ok ? 'live' : 'down';
    $('live-text').textContent = ok ? 'live' : 'offline';
    $('banner').hidden = ok;
    document.body.classList.toggle('stale', !ok);
    if (text) { $('banner-text').textContent = text; }
  }

  function connect() {
    source = new EventSource('events');
    source.onmessage = (e) => {
      lastEvent = Date.now();
      render(JSON.parse(e.data));
      connected(true);
    };
    source.onerror = () => {
      connected(false, 'The figures below are stale; reconnecting…');
      // A refused stream (e.g. too many dashboards open) is not retried by the browser: start over.
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 5000); }
    };
  }

  // A balancer that stops sending without closing the stream (paused, network gone) is caught here.
  setInterval(() => {
    if (lastEvent && Date.now() - lastEvent > STALE_MILLIS) {
      connected(false, 'No update for ' + Math.round((Date.now() - lastEvent) / 1000) + ' s; reconnecting…');
      if (source && source.readyState === EventSource.OPEN) { source.close(); connect(); }
    }
  }, 1000);

  connect();
})();
