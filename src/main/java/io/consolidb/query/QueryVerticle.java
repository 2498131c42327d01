package io.consolidb.query;

import io.consolidb.FailureCodes;
import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's one PostgreSQL pool (and the pipelined connections for lookups) and the
 * statements run on it; its {@link QueryEndpoint} answers the node-local query addresses on this
 * verticle's event loop. Deploy one instance per node.
 *
 * <p>Start does not touch the database: the node starts while PostgreSQL is down, requests fail
 * with 503 meanwhile, and they succeed as soon as it is back, without a restart. Every failure
 * reply carries a {@link FailureCodes} code and a message safe for clients.
 */
public final class QueryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueryVerticle.class);

  private final DatabaseSettings settings;
  private final QueryMetrics metrics;
  private final QueryEndpoint endpoint;
  private Pool pool;
  private PipelinedLookups lookups;

  public QueryVerticle(DatabaseSettings settings, QueryMetrics metrics, QueryEndpoint endpoint) {
    this.settings = settings;
    this.metrics = metrics;
    this.endpoint = endpoint;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(settings.poolOptions())
        .with(settings.netClientOptions())
        .connectingTo(settings.connectOptions())
        .using(vertx)
        .build();
    if (settings.pipelinedConnections() > 0) {
      lookups = new PipelinedLookups(vertx, () -> PgBuilder.client()
          .with(settings.pipelinedOptions())
          .with(settings.netClientOptions())
          .connectingTo(settings.pipelinedConnectOptions())
          .using(vertx)
          .build(), Math.round(settings.poolTimeoutSeconds() * 1000), settings.validateIdleMs(),
          settings.idleCheckTimeoutMs());
    }
    QueryExecutor executor = new QueryExecutor(vertx, pool, lookups, settings, metrics, QueryExecutor.CANCEL_GRACE_MS);
    LOG.info("query service: pool {} of up to {} connections, {} more pipelined for lookups, to {}",
        DatabaseSettings.POOL_NAME, settings.poolOptions().getMaxSize(), settings.pipelinedConnections(),
        settings.maskedUrl());
    return endpoint.serve(vertx.eventBus(), executor);
  }

  @Override
  public Future<?> stop() {
    Future<Void> lookupsClosed = lookups == null ? Future.succeededFuture() : lookups.close();
    return pool == null ? lookupsClosed : Future.join(lookupsClosed, pool.close());
  }
}
