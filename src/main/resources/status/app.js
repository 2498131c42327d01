/*
 * The consolidb status page. It asks for a bearer token once, keeps it in sessionStorage (this tab
 * only, gone when it closes), and polls /status/data on this node every two seconds. Everything
 * shown is written with textContent: a statement's text can never become markup.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'consolidb.status.token';
  var PERIOD_MS = 2000;
  var timer = null;

  function $(id) { return document.getElementById(id); }

  function text(id, value) {
    $(id).textContent = value === null || value === undefined ? '–' : String(value);
  }

  function message(value) {
    var el = $('message');
    el.textContent = value || '';
    el.hidden = !value;
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showLogin(why) {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    sessionStorage.removeItem(TOKEN_KEY);
    $('status').hidden = true;
    $('signout').hidden = true;
    $('login').hidden = false;
    message(why);
    $('token').focus();
  }

  function schedule() {
    timer = setTimeout(poll, PERIOD_MS);
  }

  /* One request at a time: the next is scheduled when this one is done, so a slow node is never piled on. */
  function poll() {
    timer = null;
    var bearer = token();
    if (!bearer) {
      showLogin('');
      return;
    }
    fetch('/status/data', { headers: { 'Authorization': 'Bearer ' + bearer }, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401) {
          showLogin('This token was not accepted (401). Enter a token with the metrics scope.');
          return null;
        }
        if (response.status === 403) {
          showLogin('This token lacks the metrics scope (403), or no token of this node holds it.');
          return null;
        }
        if (!response.ok) {
          message('The node answered ' + response.status + '; retrying. The values below are from the last answer.');
          schedule();
          return null;
        }
        return response.json().then(function (data) {
          message('');
          render(data);
          schedule();
        });
      })
      .catch(function () {
        message('The node does not answer; retrying. The values below are from the last answer.');
        schedule();
      });
  }

  function render(data) {
    $('login').hidden = true;
    $('status').hidden = false;
    $('signout').hidden = false;
    text('node', data.node || '');
    renderHealth(data.health || {}, data.transitions || []);
    renderPool(data.pool || {});
    renderCache(data.cache || {});
    renderDatabase(data.database || {});
    renderTraffic(data.traffic || {});
    renderCluster(data.cluster || {}, data.replicas || {});
    renderSlow(data.slow_queries);
    text('updated', 'updated ' + new Date(data.generated_at).toLocaleTimeString());
    document.body.setAttribute('data-updated', data.generated_at);
  }

  function renderHealth(health, transitions) {
    var level = health.status || 'UNKNOWN';
    text('level', level);
    $('level').setAttribute('data-level', level);
    text('since', health.since ? 'since ' + new Date(health.since).toLocaleString() : '');
    text('reason', health.reason || (level === 'HEALTHY' ? 'all checks pass' : ''));
    var rows = $('checks').tBodies[0];
    rows.replaceChildren();
    Object.keys(health.checks || {}).forEach(function (name) {
      var check = health.checks[name];
      var tr = rows.insertRow();
      tr.insertCell().textContent = name;
      var status = tr.insertCell();
      status.textContent = check.status;
      status.className = check.status === 'UP' ? 'UP' : 'DOWN';
      tr.insertCell().textContent = check.reason || '';
    });
    var list = $('transitions');
    list.replaceChildren();
    transitions.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = new Date(t.at).toLocaleTimeString() + '  ' + t.from + ' → ' + t.to + ': ' + t.reason;
      list.appendChild(li);
    });
    if (transitions.length === 0) {
      var none = document.createElement('li');
      none.textContent = 'none recorded';
      list.appendChild(none);
    }
  }

  function renderPool(pool) {
    text('pool-active', pool.active);
    text('pool-idle', pool.idle);
    text('pool-size', pool.size);
    text('pool-max', pool.max_size);
    text('pool-waiting', pool.waiting);
    var meter = $('pool-meter');
    meter.max = Math.max(1, pool.max_size || 1);
    meter.value = pool.active || 0;
  }

  function renderCache(cache) {
    text('cache-hit-rate', cache.hit_rate_percent);
    text('cache-hits', cache.hits);
    text('cache-misses', cache.misses);
    text('cache-entries', cache.local_entries);
    text('cache-redis', cache.redis_state);
    text('cache-note', cache.note || cache.unavailable || '');
  }

  function renderDatabase(db) {
    text('db-total', db.total_queries);
    text('db-mean', db.avg_response_time_ms);
    text('db-p95', db.p95_response_time_ms);
    text('db-errors', db.errors);
  }

  function renderTraffic(traffic) {
    var samples = traffic.samples || [];
    var last = samples.length ? samples[samples.length - 1] : null;
    text('rate', last ? last.requests_per_second : null);
    text('latency', last ? last.mean_ms : null);
    text('traffic-window', samples.length ? 'last ' + Math.round(samples.length * traffic.interval_seconds) + ' s' : '');
    text('traffic-note', traffic.unavailable || 'latency is the mean over each ' + traffic.interval_seconds
      + ' s interval (the node keeps no latency histogram); the status page\'s own requests are not counted');
    spark('rate-spark', samples.map(function (s) { return s.requests_per_second; }));
    spark('latency-spark', samples.map(function (s) { return s.mean_ms; }));
  }

  /* A line over the samples, scaled to the largest; a missing value (no request in that interval) draws as 0. */
  function spark(id, values) {
    var line = $(id).querySelector('polyline');
    if (values.length < 2) {
      line.setAttribute('points', '');
      return;
    }
    var max = Math.max.apply(null, values.map(function (v) { return v || 0; })) || 1;
    var step = 300 / (values.length - 1);
    line.setAttribute('points', values.map(function (v, i) {
      return (i * step).toFixed(1) + ',' + (38 - 36 * (v || 0) / max).toFixed(1);
    }).join(' '));
  }

  function renderCluster(cluster, replicas) {
    var members = $('members');
    members.replaceChildren();
    if (!cluster.enabled) {
      text('cluster-summary', 'not clustered: this node runs alone');
    } else {
      text('cluster-summary', (cluster.members === undefined ? '?' : cluster.members) + ' member(s), '
        + (cluster.expected_members || '?') + ' expected');
      (cluster.member_list || []).forEach(function (m) {
        var li = document.createElement('li');
        li.textContent = m.address + (m.self ? ' (this node)' : '');
        members.appendChild(li);
      });
    }
    text('replicas', replicas.configured ? (replicas.members || []).length + ' configured' : 'none configured');
  }

  function renderSlow(slow) {
    $('slow').hidden = !Array.isArray(slow);
    if (!Array.isArray(slow)) {
      return;
    }
    var rows = $('slow-queries').tBodies[0];
    rows.replaceChildren();
    slow.forEach(function (q) {
      var tr = rows.insertRow();
      tr.insertCell().textContent = q.duration_ms;
      tr.insertCell().textContent = q.count;
      tr.insertCell().textContent = q.operation;
      var sql = tr.insertCell();
      sql.textContent = q.sql;
      sql.className = 'sql';
      tr.insertCell().textContent = new Date(q.at).toLocaleTimeString();
    });
    if (slow.length === 0) {
      rows.insertRow().insertCell().textContent = 'none recorded';
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (event) {
      event.preventDefault();
      var value = $('token').value.trim();
      if (!value) {
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, value);
      $('token').value = '';
      message('Loading…');
      poll();
    });
    $('signout').addEventListener('click', function () {
      showLogin('');
    });
    if (token()) {
      poll();
    } else {
      showLogin('');
    }
  });
})();
