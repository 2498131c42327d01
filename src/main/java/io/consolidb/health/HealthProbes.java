package io.consolidb.health;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cluster.ClusterMembership;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.HealthSettings;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.config.SecretMasker;
import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.pgclient.PgConnection;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.serviceproxy.ServiceException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The checks of one round, as vertx-health-check procedures run side by side, each with its own
 * timeout. Every procedure bounds its own work too (the procedure timeout only abandons it), never
 * leaves more than one Redis PING or one dedicated database connection pending, and reports
 * fixed texts: driver messages can name hosts or carry credentials.
 *
 * <p>Confined to the health verticle's context.
 */
final class HealthProbes {

  static final String DATABASE = "database";
  static final String POOL = "connection_pool";
  static final String REDIS = "redis";
  static final String EVENT_LOOP = "event_loop";
  static final String CACHE = "cache";
  static final String LISTEN = "listen";
  static final String CLUSTER = "cluster";
  static final String BACKUP = "backup";

  /** Report order. */
  private static final List<String> ORDER = List.of(DATABASE, POOL, REDIS, EVENT_LOOP, CACHE, LISTEN, CLUSTER, BACKUP);
  /** What the event-loop check asks a timer for; the lateness beyond it is the delay. */
  static final long EVENT_LOOP_SAMPLE_MS = 10;
  /** Room for a procedure's own timeout to fire before vertx-health-check gives up on it. */
  private static final long GUARD_MS = 250;

  private final Vertx vertx;
  private final HealthSettings settings;
  private final DatabaseSettings database;
  private final RedisSettings redisSettings;
  private final QueryClient queries;
  private final HealthChecks checks;
  private final Map<String, Long> timeouts;
  private final Redis redis;
  private final RedisAPI redisApi;
  private final ClusterMembership membership;
  private final int expectedMembers;
  private boolean pingPending;
  private boolean dedicatedPending;

  /** Probes of a node outside a cluster. */
  HealthProbes(Vertx vertx, NodeSettings node) {
    this(vertx, node, null);
  }

  /** @param membership the cluster membership when the node is clustered, else null */
  HealthProbes(Vertx vertx, NodeSettings node, ClusterMembership membership) {
    this.vertx = vertx;
    this.membership = membership;
    this.expectedMembers = node.cluster().expectedMembers();
    this.settings = node.health();
    this.database = node.database();
    this.redisSettings = node.redis();
    this.queries = new QueryClient(vertx, settings.databaseTimeoutMs());
    this.redis = redisSettings.enabled() ? Redis.createClient(vertx, redisSettings.redisOptions()) : null;
    this.redisApi = redis == null ? null : RedisAPI.api(redis);
    long local = settings.checkTimeoutMs();
    // the database check may first look at the pool, then take the full database timeout
    long db = local + settings.databaseTimeoutMs() + GUARD_MS;
    this.timeouts = Map.of(DATABASE, db, POOL, local + GUARD_MS, REDIS, settings.redisTimeoutMs() + GUARD_MS,
        EVENT_LOOP, local + GUARD_MS, CACHE, local + GUARD_MS, BACKUP, settings.databaseTimeoutMs() + GUARD_MS);
    this.checks = HealthChecks.create(vertx)
        .register(DATABASE, timeouts.get(DATABASE), p -> complete(p, this::database))
        .register(POOL, timeouts.get(POOL), p -> complete(p, this::pool))
        .register(REDIS, timeouts.get(REDIS), p -> complete(p, this::redis))
        .register(EVENT_LOOP, timeouts.get(EVENT_LOOP), p -> complete(p, this::eventLoop))
        .register(CACHE, timeouts.get(CACHE), p -> complete(p, this::cache));
    if (settings.backupCheckEnabled()) {
      checks.register(BACKUP, timeouts.get(BACKUP), p -> complete(p, this::backup));
    }
  }

  /**
   * Runs every check once: {@code {checks: {name: {status, …}}, cache: {…}, cluster: {…}}}.
   * {@code cache} is the cache service's statistics, or {@code {status: "unknown"}} when no cache
   * service runs here; {@code checks.listen} appears only when those statistics report a LISTEN
   * subscription. {@code cluster} is the membership ({@code {enabled: false}} outside a cluster);
   * {@code checks.cluster} appears only in a cluster.
   */
  Future<JsonObject> run() {
    return checks.checkStatus().map(this::flatten);
  }

  Future<Void> close() {
    return redis == null ? Future.succeededFuture() : redis.close();
  }

  private static void complete(Promise<Status> promise, Supplier<Future<Status>> check) {
    check.get().onComplete(done -> promise.tryComplete(done.succeeded() ? done.result()
        : Status.KO(new JsonObject().put("reason", "the check failed unexpectedly"))));
  }

  private JsonObject flatten(CheckResult round) {
    JsonObject byName = new JsonObject();
    for (CheckResult check : round.getChecks()) {
      JsonObject entry = new JsonObject().put("status", check.getUp() ? LevelRules.UP : LevelRules.DOWN);
      if (check.getStatus() != null) {
        entry.mergeIn(check.getStatus().getData());
      } else {
        // only vertx-health-check's own timeout fails a procedure
        entry.put("reason", "no answer within " + timeouts.get(check.getId()) + " ms");
      }
      byName.put(check.getId(), entry);
    }
    JsonObject cache = byName.getJsonObject(CACHE, new JsonObject());
    JsonObject stats = cache.getJsonObject("stats");
    JsonObject report = new JsonObject();
    if (stats != null) {
      byName.put(CACHE, new JsonObject().put("status", LevelRules.UP));
      if (stats.getValue("listen") instanceof JsonObject listen && listen.getValue("connected") instanceof Boolean up) {
        byName.put(LISTEN, up ? new JsonObject().put("status", LevelRules.UP)
            : new JsonObject().put("status", LevelRules.DOWN).put("reason", "the LISTEN subscription is disconnected"));
      }
      report.put("cache", SecretMasker.mask(stats));
    } else if (cache.getBoolean("absent", false)) {
      byName.remove(CACHE);
      report.put("cache", new JsonObject().put("status", "unknown")
          .put("reason", "no cache service runs on this node"));
    } else {
      report.put("cache", new JsonObject().put("status", "unknown")
          .put("reason", cache.getString("reason", "the cache service did not answer")));
    }
    cluster(byName, report);
    JsonObject ordered = new JsonObject();
    ORDER.stream().filter(byName::containsKey).forEach(name -> ordered.put(name, byName.getJsonObject(name)));
    return report.put("checks", ordered);
  }

  // ---- cluster

  /**
   * The membership, read once so that the check and the section agree: the check carries the count
   * (LevelRules compares it with the expected one), the section who the members are.
   */
  private void cluster(JsonObject checks, JsonObject report) {
    if (membership == null) {
      report.put(CLUSTER, new JsonObject().put("enabled", false));
      return;
    }
    ClusterMembership.View view = membership.view();
    if (view == null) {
      checks.put(CLUSTER, new JsonObject().put("status", LevelRules.DOWN)
          .put("reason", "the membership is not known yet"));
      report.put(CLUSTER, new JsonObject().put("enabled", true).put("expected_members", expectedMembers));
      return;
    }
    checks.put(CLUSTER, new JsonObject().put("status", LevelRules.UP).put("members", view.size())
        .put("expected_members", expectedMembers));
    report.put(CLUSTER, view.toJson().put("expected_members", expectedMembers));
  }

  // ---- database

  /**
   * {@code SELECT 1} through the node's pool, timed. When every connection is busy the query would
   * only measure the queue, so the round trip goes over a dedicated connection instead: a
   * saturated pool with a database that answers is DEGRADED, not down.
   */
  private Future<Status> database() {
    return poolState().transform(state -> {
      JsonObject pool = state.succeeded() ? state.result() : null;
      boolean saturated = pool != null && pool.getInteger("active", 0) >= pool.getInteger("max_size", Integer.MAX_VALUE);
      JsonObject breaker = pool == null ? null : pool.getJsonObject("breaker");
      if (breaker != null && !"closed".equals(breaker.getString("state"))) {
        // every request fails at once meanwhile: the breaker's own trial is the round trip
        return Future.succeededFuture(Status.KO(new JsonObject()
            .put("reason", "circuit breaker open: the database could not be reached; next trial in "
                + breaker.getInteger("retry_after_seconds", 1) + " s")
            .put("breaker", breaker)));
      }
      Future<Status> checked = saturated ? throughDedicatedConnection() : throughPool();
      return breaker == null ? checked : checked.map(status -> {
        status.getData().put("breaker", breaker);
        return status;
      });
    });
  }

  private Future<Status> throughPool() {
    long started = System.nanoTime();
    JsonObject request = new JsonObject()
        .put("operation", "health.database")
        .put("sql", "SELECT 1")
        .put("timeoutMs", settings.databaseTimeoutMs());
    // not readOnly: a health check must see a refused connection at once, not retry it away
    return queries.query(request)
        .timeout(settings.databaseTimeoutMs() + GUARD_MS, TimeUnit.MILLISECONDS)
        .map(result -> Status.OK(new JsonObject().put("response_time_ms", elapsedMs(started)).put("via", "pool")))
        .otherwise(failure -> Status.KO(new JsonObject().put("reason", databaseReason(failure)).put("via", "pool")));
  }

  private Future<Status> throughDedicatedConnection() {
    String via = "dedicated connection (the pool is saturated)";
    if (dedicatedPending) {
      return Future.succeededFuture(Status.KO(new JsonObject()
          .put("reason", "the previous dedicated connection has not been answered").put("via", via)));
    }
    dedicatedPending = true;
    long started = System.nanoTime();
    Future<PgConnection> connecting = PgConnection.connect(vertx, database.connectOptions());
    Future<Long> probe = connecting
        .compose(conn -> conn.query("SELECT 1").execute().map(rows -> elapsedMs(started)))
        .timeout(settings.databaseTimeoutMs(), TimeUnit.MILLISECONDS);
    // the connection is closed whatever happens, even if it arrives after the timeout
    connecting.compose(conn -> probe.transform(done -> conn.close()))
        .onComplete(closed -> dedicatedPending = false);
    return probe
        .map(ms -> Status.OK(new JsonObject().put("response_time_ms", ms).put("via", via)))
        .otherwise(failure -> Status.KO(new JsonObject().put("reason", databaseReason(failure)).put("via", via)));
  }

  private String databaseReason(Throwable failure) {
    if (failure instanceof java.util.concurrent.TimeoutException) {
      return "no answer within " + settings.databaseTimeoutMs() + " ms";
    }
    if (failure instanceof ServiceException e) {
      return switch (e.failureCode()) {
        case FailureCodes.TIMED_OUT -> "no answer within " + settings.databaseTimeoutMs() + " ms";
        case FailureCodes.BUSY -> "no connection available (the pool is saturated)";
        case FailureCodes.UNAVAILABLE -> "the database is unavailable";
        default -> "the check failed (code " + e.failureCode() + ")";
      };
    }
    return "the database is unavailable";
  }

  // ---- backup

  /**
   * The newest good backup recorded in {@code backup_runs} ({@code consolidb backup --record}): its
   * label and age; {@code age_seconds} is absent when none is recorded. LevelRules compares the age
   * with {@code health.backupMaxAgeHours}.
   */
  private Future<Status> backup() {
    JsonObject request = new JsonObject()
        .put("operation", "health.backup")
        .put("sql", "SELECT label, finished_at::text AS finished_at,"
            + " floor(extract(epoch FROM now() - finished_at))::bigint AS age_seconds"
            + " FROM backup_runs ORDER BY finished_at DESC LIMIT 1")
        .put("timeoutMs", settings.databaseTimeoutMs())
        .put("readOnly", true);
    return queries.query(request)
        .timeout(settings.databaseTimeoutMs() + GUARD_MS, TimeUnit.MILLISECONDS)
        .map(result -> {
          JsonObject data = new JsonObject().put("max_age_hours", settings.backupMaxAgeHours());
          JsonObject row = result.firstRow();
          if (row != null) {
            data.put("label", row.getString("label")).put("finished_at", row.getString("finished_at"))
                .put("age_seconds", row.getLong("age_seconds"));
          }
          return Status.OK(data);
        })
        .otherwise(failure -> Status.KO(new JsonObject().put("max_age_hours", settings.backupMaxAgeHours())
            .put("reason", "the age of the last backup is unknown: " + databaseReason(failure))));
  }

  // ---- pool

  private Future<JsonObject> poolState() {
    return vertx.eventBus().<JsonObject>request(Addresses.DB_POOL_STATE, new JsonObject(),
            new DeliveryOptions().setSendTimeout(settings.checkTimeoutMs()))
        .map(reply -> reply.body());
  }

  private Future<Status> pool() {
    return poolState()
        .map(state -> {
          int maxSize = state.getInteger("max_size", 0);
          int active = state.getInteger("active", 0);
          double utilization = maxSize == 0 ? 0 : Math.round(active * 1000.0 / maxSize) / 10.0;
          JsonObject data = new JsonObject()
              .put("size", state.getInteger("size", 0))
              .put("active", active)
              .put("idle", state.getInteger("idle", 0))
              .put("waiting", state.getInteger("waiting", 0))
              .put("max_size", maxSize)
              .put("utilization", utilization);
          if (state.getValue("replicas") != null) {
            // shown, never part of the level: a replica down only sends its reads to the primary
            data.put("replicas", state.getValue("replicas"));
          }
          return Status.OK(data);
        })
        .otherwise(failure -> Status.KO(new JsonObject().put("reason", noHandlers(failure)
            ? "the query service is not running on this node" : "the query service did not report its pool")));
  }

  // ---- redis

  private Future<Status> redis() {
    if (redisApi == null) {
      return Future.succeededFuture(Status.OK(new JsonObject().put("enabled", false)));
    }
    if (pingPending) {
      // Redis has no command timeout: a hung server would pile up PINGs, one per round
      return Future.succeededFuture(Status.KO(new JsonObject().put("reason", "the previous PING has not been answered")));
    }
    pingPending = true;
    long started = System.nanoTime();
    return redisApi.ping(List.of())
        .andThen(done -> pingPending = false)
        .timeout(settings.redisTimeoutMs(), TimeUnit.MILLISECONDS)
        .map(pong -> Status.OK(new JsonObject().put("response_time_ms", elapsedMs(started))))
        .otherwise(failure -> Status.KO(new JsonObject().put("reason",
            failure instanceof java.util.concurrent.TimeoutException
                ? "no answer within " + settings.redisTimeoutMs() + " ms" : "Redis is unreachable")));
  }

  // ---- event loop

  /** How late a short timer fires on this verticle's event loop: a blocked or overloaded loop shows here. */
  private Future<Status> eventLoop() {
    Promise<Status> promise = Promise.promise();
    long started = System.nanoTime();
    vertx.setTimer(EVENT_LOOP_SAMPLE_MS, id -> promise.complete(Status.OK(new JsonObject()
        .put("delay_ms", Math.max(0, elapsedMs(started) - EVENT_LOOP_SAMPLE_MS)))));
    return promise.future();
  }

  // ---- cache

  /** The cache service's statistics; {@code absent} when none runs on this node. */
  private Future<Status> cache() {
    return vertx.eventBus().<Object>request(Addresses.CACHE_STATS, new JsonObject(),
            new DeliveryOptions().setSendTimeout(settings.checkTimeoutMs()))
        .map(reply -> reply.body() instanceof JsonObject stats
            ? Status.OK(new JsonObject().put("stats", stats))
            : Status.KO(new JsonObject().put("reason", "the cache service answered no statistics")))
        .otherwise(failure -> noHandlers(failure)
            ? Status.OK(new JsonObject().put("absent", true))
            : Status.KO(new JsonObject().put("reason", "the cache service did not answer")));
  }

  private static boolean noHandlers(Throwable failure) {
    return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private static long elapsedMs(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
