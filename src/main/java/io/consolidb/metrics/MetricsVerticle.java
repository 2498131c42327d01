package io.consolidb.metrics;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.MetricsSettings;
import io.consolidb.query.QueryClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's performance summary and slow-query report (docs/METRICS.md), answered on the
 * node-local addresses {@link Addresses#METRICS_SUMMARY} and {@link Addresses#METRICS_SLOW_QUERIES}.
 * It reads what the hot path recorded (the registry's meters and {@link QueryStats}); it never
 * sits on the query path itself. With {@code metrics.port} set, it also serves {@code GET /metrics}
 * on that port. Deploy after the query verticle.
 */
public final class MetricsVerticle extends VerticleBase {

  /** How many slow statements the summary lists. */
  public static final int SUMMARY_SLOWEST = 10;
  /** How many slow statements the admin report explains. */
  public static final int REPORT_SLOWEST = 20;
  /** Each EXPLAIN (and table-size look-up) gives up after this. */
  public static final long EXPLAIN_TIMEOUT_MS = 2000;
  /** All EXPLAINs of one slow-query report together; below the HTTP and event-bus timeouts. */
  static final long EXPLAIN_BUDGET_MS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(MetricsVerticle.class);

  private final MeterRegistry registry;
  private final QueryStats stats;
  private final PlanAdvisor advisor;
  private final Supplier<JsonObject> cacheSummary;
  private final MetricsSettings settings;
  private final String host;

  /**
   * @param settings where {@code /metrics} is served
   * @param host the address a management port binds to ({@code http.host})
   * @param registry the node's registry
   * @param stats the node's recent-query statistics (written by the query path)
   * @param queries how EXPLAINs reach the database
   * @param cacheSummary the cache's hits, misses and hit rate; null when the node does not cache
   */
  public MetricsVerticle(MetricsSettings settings, String host, MeterRegistry registry, QueryStats stats,
      QueryClient queries, Supplier<JsonObject> cacheSummary) {
    this.settings = settings;
    this.host = host;
    this.registry = registry;
    this.stats = stats;
    this.advisor = new PlanAdvisor(queries, EXPLAIN_TIMEOUT_MS);
    this.cacheSummary = cacheSummary;
  }

  @Override
  public Future<?> start() {
    List<Future<?>> started = new ArrayList<>();
    started.add(vertx.eventBus().localConsumer(Addresses.METRICS_SUMMARY, this::onSummary).completion());
    started.add(vertx.eventBus().localConsumer(Addresses.METRICS_SLOW_QUERIES, this::onSlowQueries).completion());
    if (settings.separatePort() && registry instanceof PrometheusMeterRegistry prometheus) {
      Router router = Router.router(vertx);
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
      started.add(vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(settings.port()))
          .requestHandler(router).listen()
          .onSuccess(server -> LOG.info("metrics: /metrics on {}:{}", host, server.actualPort())));
    }
    return Future.all(started);
  }

  private void onSummary(Message<Object> message) {
    summary().onComplete(done -> {
      if (done.succeeded()) {
        message.reply(done.result());
      } else {
        message.fail(FailureCodes.UNAVAILABLE, "the summary is not available");
      }
    });
  }

  /**
   * The slowest statements with their plans, explained one after another (each EXPLAIN takes a
   * pooled connection: twenty at once would fill the pool in front of live traffic), within
   * {@value #EXPLAIN_BUDGET_MS} ms in all; entries past the budget are listed without a plan.
   */
  private void onSlowQueries(Message<Object> message) {
    List<SlowQueryLog.Entry> slowest = stats.slowQueries().slowest(REPORT_SLOWEST, Instant.now());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXPLAIN_BUDGET_MS);
    JsonArray statements = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (SlowQueryLog.Entry entry : slowest) {
      chain = chain.compose(v -> (System.nanoTime() < deadline ? report(entry)
          : Future.succeededFuture(entry.toJson().put("plan", null).put("hints", new JsonArray())
              .put("plan_unavailable", "not explained: the report's time budget was spent")))
          .map(json -> {
            statements.add(json);
            return null;
          }));
    }
    chain.onComplete(done -> message.reply(
        new JsonObject().put("slow_queries", statements).put("generated_at", Instant.now().toString())));
  }

  /** One entry with its plan, or why there is none. A failed EXPLAIN never fails the report. */
  private Future<JsonObject> report(SlowQueryLog.Entry entry) {
    JsonObject json = entry.toJson();
    if (!entry.explainable()) {
      return Future.succeededFuture(json.put("plan", null).put("hints", new JsonArray())
          .put("plan_unavailable", "only single SELECT statements are explained"));
    }
    return advisor.explain(entry.pgSql())
        .map(explained -> json.mergeIn(explained))
        .otherwise(failure -> json.put("plan", null).put("hints", new JsonArray())
            .put("plan_unavailable", "EXPLAIN failed: " + failure.getMessage()));
  }

  /** The summary: what was recorded since the node started, the pool as it is now. */
  Future<JsonObject> summary() {
    return poolState().map(pool -> new JsonObject()
        .put("metrics_enabled", Meters.exported(registry))
        .put("database_stats", databaseStats())
        .put("cache_stats", cacheStats())
        .put("connection_pool", pool)
        .put("slowest_queries", stats.slowQueries().toJson(SUMMARY_SLOWEST, Instant.now()))
        .put("services", ServiceStats.summary(registry))
        .put("http_bulkheads", BulkheadMeters.summary(registry))
        .put("generated_at", Instant.now().toString()));
  }

  private JsonObject databaseStats() {
    long total = 0;
    long failed = 0;
    for (Counter counter : registry.find("consolidb.db.queries").counters()) {
      long count = (long) counter.count();
      total += count;
      if (!"success".equals(counter.getId().getTag("outcome"))) {
        failed += count;
      }
    }
    long timed = 0;
    double totalMs = 0;
    for (Timer timer : registry.find("consolidb.db.query.duration").timers()) {
      timed += timer.count();
      totalMs += timer.totalTime(TimeUnit.MILLISECONDS);
    }
    long slow = 0;
    for (Counter counter : registry.find("consolidb.db.slow.queries").counters()) {
      slow += (long) counter.count();
    }
    return new JsonObject()
        .put("total_queries", total)
        .put("avg_response_time_ms", round(timed == 0 ? 0 : totalMs / timed))
        .put("p95_response_time_ms", round(stats.p95Millis()))
        .put("slow_queries", slow)
        .put("errors", failed)
        .put("error_rate_percent", round(total == 0 ? 0 : 100.0 * failed / total));
  }

  /** The cache's own summary (one hit-rate definition, docs/CACHE.md); zeros when the node does not cache. */
  private JsonObject cacheStats() {
    return cacheSummary != null ? cacheSummary.get()
        : new JsonObject().put("hits", 0L).put("misses", 0L).put("hit_rate_percent", 0.0).put("tiers", new JsonObject());
  }

  /** {@code {size, active, idle, waiting, max_size}} from the query verticle, zeros when it does not answer. */
  private Future<JsonObject> poolState() {
    return vertx.eventBus().<JsonObject>request(Addresses.DB_POOL_STATE, new JsonObject(),
            new DeliveryOptions().setSendTimeout(1000))
        .map(reply -> reply.body().copy())
        .otherwise(failure -> new JsonObject().put("size", 0).put("active", 0).put("idle", 0).put("waiting", 0)
            .put("max_size", 0).put("unavailable", true));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
