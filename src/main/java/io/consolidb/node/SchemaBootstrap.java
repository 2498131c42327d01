package io.consolidb.node;

import io.consolidb.NodeState;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the schema up to date (Flyway, on a worker thread: JDBC blocks) and seeds demo data when
 * configured. When PostgreSQL is unreachable at start the node does not fail: migration is retried
 * in the background until it succeeds, and {@link NodeState#schemaPending} stays true until then (the node is not ready).
 */
public final class SchemaBootstrap {

  private static final Logger log = LoggerFactory.getLogger(SchemaBootstrap.class);
  private static final long RETRY_MS = 2000;
  private static final long DEMO_SEED = 20261126L;

  private final Vertx vertx;
  private final DatabaseSettings settings;
  private final AtomicBoolean ready = new AtomicBoolean();
  private volatile boolean stopped;

  public SchemaBootstrap(Vertx vertx, DatabaseSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  /**
   * Attempts the migration once; the returned future completes after that attempt whatever its
   * outcome (a failure schedules retries), so start-up never waits on an unreachable database.
   */
  public Future<Void> start() {
    if (!settings.migrate()) {
      markReady();
      return seedIfConfigured().recover(e -> Future.succeededFuture());
    }
    NodeState.schemaPending(vertx, true);
    Promise<Void> firstAttempt = Promise.promise();
    attempt(firstAttempt);
    return firstAttempt.future();
  }

  public void stop() {
    stopped = true;
  }

  private void attempt(Promise<Void> firstAttempt) {
    JdbcCoordinates jdbc = JdbcCoordinates.fromUri(settings.url());
    vertx.executeBlocking(() -> SchemaMigrator.migrateOnce(jdbc), false)
        .compose(result -> {
          log.info("schema: {} migration(s) applied, schema at version {}", result.migrationsExecuted,
              result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion);
          markReady();
          return seedIfConfigured();
        })
        .onComplete(ar -> {
          if (ar.failed() && !ready.get()) {
            log.warn("schema: migration failed ({}); retrying every {} ms", safeReason(ar.cause()), RETRY_MS);
            if (!stopped) {
              vertx.setTimer(RETRY_MS, id -> attempt(Promise.promise()));
            }
          } else if (ar.failed()) {
            log.warn("schema: demo data not seeded: {}", safeReason(ar.cause()));
          }
          firstAttempt.tryComplete();
        });
  }

  private void markReady() {
    ready.set(true);
    NodeState.schemaPending(vertx, false);
  }

  private Future<Void> seedIfConfigured() {
    if (!settings.seedDemoData() || settings.demoRestaurants() == 0) {
      return Future.succeededFuture();
    }
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).with(settings.netClientOptions())
        .connectingTo(settings.connectOptions()).using(vertx).build();
    return DemoDataSeeder.seedIfEmpty(pool, settings.demoRestaurants(), DEMO_SEED)
        .onSuccess(seeded -> {
          if (seeded) {
            log.info("schema: seeded {} demo restaurants", settings.demoRestaurants());
          }
        })
        .<Void>mapEmpty()
        .eventually(pool::close);
  }

  /** A failure's class and message without anything that could carry a connection string. */
  static String safeReason(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? "" : root.getMessage();
    return root.getClass().getSimpleName() + ": " + io.consolidb.config.SecretMasker.maskText(message);
  }
}
