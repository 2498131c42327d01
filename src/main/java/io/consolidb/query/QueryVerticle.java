package io.consolidb.query;

import io.consolidb.FailureCodes;
import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's one PostgreSQL pool (and the pipelined connections for lookups) and the
 * statements run on it; its {@link QueryEndpoint} answers the node-local query addresses on this
 * verticle's event loop, and the node's own lookups on their callers' event loops
 * ({@link LookupLanes}). Deploy one instance per node.
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
  private DatabaseBreaker breaker;
  /** Null without {@code DATABASE_READ_URL}. */
  private Replicas replicas;
  /** The breaker's trial until its pool is closed (at most one at a time). */
  private Future<Void> trialRunning;

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
      lookups = pipelinedLookups();
    }
    breaker = new DatabaseBreaker(vertx, settings.breakerFailures(), settings.breakerOpenMs(), this::trial, metrics);
    if (settings.replicas().enabled()) {
      replicas = new Replicas(vertx, settings, metrics);
      LOG.info("query service: reads may go to {} read replica(s) {}, lag bound {} ms, {} connections each",
          replicas.targets().size(), replicas.targets().stream().map(Replicas.Target::name).toList(),
          settings.replicas().maxLagMs(), settings.replicas().poolSize());
    }
    QueryExecutor executor = new QueryExecutor(vertx, pool, lookups, settings, metrics, QueryExecutor.CANCEL_GRACE_MS,
        breaker, replicas);
    LOG.info("query service: pool {} of up to {} connections, {} more pipelined for lookups, to {}",
        DatabaseSettings.POOL_NAME, settings.poolOptions().getMaxSize(), settings.pipelinedConnections(),
        settings.maskedUrl());
    // lanes share the breaker and metrics, never the replicas' routing: with replicas every lookup stays here
    LookupLanes lanes = lookups == null || replicas != null ? null
        : new LookupLanes(vertx, executor, ((ContextInternal) context).nettyEventLoop(),
            () -> new QueryExecutor(vertx, pool, pipelinedLookups(), settings, metrics, QueryExecutor.CANCEL_GRACE_MS,
                breaker, null));
    return endpoint.serve(vertx.eventBus(), executor, lanes);
  }

  /** A pipelined client for lookups; its connections open on the event loop of the thread that first uses it. */
  private PipelinedLookups pipelinedLookups() {
    return new PipelinedLookups(vertx, () -> PgBuilder.client()
        .with(settings.pipelinedOptions())
        .with(settings.netClientOptions())
        .connectingTo(settings.pipelinedConnectOptions())
        .using(vertx)
        .build(), Math.round(settings.poolTimeoutSeconds() * 1000), settings.validateIdleMs(),
        settings.idleCheckTimeoutMs());
  }

  /**
   * The breaker's trial: {@code SELECT 1} on a fresh connection of its own (not the pool's: a pooled
   * connection opened before the outage proves nothing), within the query timeout. It opens through
   * a one-connection pool of its own with the transport options of every pool, so its connect gives
   * up after the connect timeout: through {@code PgConnection.connect} it waited Vert.x's default
   * 60 s on a host that drops packets, and every trial in that time failed as "still pending". The
   * pool is closed whatever happens; a trial still closing fails the next one rather than adding
   * another.
   */
  private Future<?> trial() {
    if (trialRunning != null) {
      return Future.failedFuture("the previous trial connection is still pending");
    }
    Pool once = settings.singleConnectionPool(vertx);
    Future<?> answered = once.query("SELECT 1").execute().timeout(settings.queryTimeoutMs(), TimeUnit.MILLISECONDS);
    Future<Void> closed = answered.transform(done -> once.close());
    trialRunning = closed;
    closed.onComplete(done -> trialRunning = null);
    return answered;
  }

  @Override
  public Future<?> stop() {
    Future<Void> lanesClosed = endpoint.stopped();
    if (breaker != null) {
      breaker.stop();
    }
    Future<Void> lookupsClosed = lookups == null ? Future.succeededFuture() : lookups.close();
    Future<Void> replicasClosed = replicas == null ? Future.succeededFuture() : replicas.close();
    return pool == null ? Future.join(lanesClosed, lookupsClosed, replicasClosed).mapEmpty()
        : Future.join(lanesClosed, lookupsClosed, replicasClosed, pool.close()).mapEmpty();
  }
}
