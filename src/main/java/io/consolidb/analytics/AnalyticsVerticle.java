package io.consolidb.analytics;

import io.consolidb.Addresses;
import io.consolidb.analytics.impl.AnalyticsServiceImpl;
import io.consolidb.analytics.impl.AnalyticsSql;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.service.InProcessServices;
import io.consolidb.service.ServiceEndpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link AnalyticsService} on the clustered address {@code consolidb.analytics} (and in-process on this node); its
 * queries go to this node's query verticle. It also keeps the monthly partitions of
 * {@code analytics_events} ahead of time: at start and every few hours it makes sure the next
 * {@value #MONTHS_AHEAD} months exist (idempotent, safe from every node at once), so events never
 * land in the default partition. A failure there is logged and retried at the next round; it
 * never stops the service.
 */
public class AnalyticsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsVerticle.class);
  static final int MONTHS_AHEAD = 3;
  private static final long MAINTENANCE_PERIOD_MS = TimeUnit.HOURS.toMillis(6);

  private final QueryClient queries;
  private final ServiceStats stats;
  private final int cacheTtlSeconds;
  private final InProcessServices inProcess;
  private ServiceEndpoint endpoint;
  private long timer = -1;

  /** @param cacheTtlSeconds how long a report stays cached ({@code DB_CACHE_TTL}) */
  public AnalyticsVerticle(QueryClient queries, ServiceStats stats, int cacheTtlSeconds,
      InProcessServices inProcess) {
    this.queries = queries;
    this.stats = stats;
    this.cacheTtlSeconds = cacheTtlSeconds;
    this.inProcess = inProcess;
  }

  @Override
  public Future<?> start() {
    vertx.setTimer(1, id -> ensurePartitions());
    timer = vertx.setPeriodic(MAINTENANCE_PERIOD_MS, id -> ensurePartitions());
    return ServiceEndpoint.publish(vertx, inProcess, Addresses.ANALYTICS, AnalyticsService.class,
            new AnalyticsServiceImpl(queries, stats, cacheTtlSeconds, Clock.systemUTC()))
        .onSuccess(published -> endpoint = published);
  }

  private void ensurePartitions() {
    queries.write("analytics.ensure_partitions", AnalyticsSql.ENSURE_PARTITIONS, JsonArray.of(MONTHS_AHEAD))
        .onSuccess(result -> {
          JsonObject row = result.firstRow();
          if (row != null && row.getInteger("created", 0) > 0) {
            LOG.info("analytics: created {} monthly event partitions", row.getInteger("created"));
          }
        })
        .onFailure(failure -> LOG.warn("analytics: could not ensure the event partitions ({}); retrying later",
            failure.getMessage()));
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return endpoint == null ? Future.succeededFuture() : endpoint.close();
  }
}
