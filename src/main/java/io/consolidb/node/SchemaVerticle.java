package io.consolidb.node;

import io.consolidb.config.DatabaseSettings;
import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the schema up to date (Flyway, on a worker thread: JDBC blocks) and seeds demo data when
 * configured. When PostgreSQL is unreachable at start the node does not fail: the migration is
 * retried in the background until it succeeds, and {@link #ready} stays false until then (the node
 * answers {@code /health/ready} with 503). Owns its retry timer: undeploying stops the retries.
 */
public final class SchemaVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(SchemaVerticle.class);
  private static final long RETRY_MS = 2000;
  private static final long DEMO_SEED = 20261126L;

  private final DatabaseSettings settings;
  private volatile boolean ready;
  private boolean stopped;
  private long retryTimer = -1;

  public SchemaVerticle(DatabaseSettings settings) {
    this.settings = settings;
  }

  /** True once the schema is up to date (at once when migrations are off); thread-safe. */
  public boolean ready() {
    return ready;
  }

  /**
   * Attempts the migration once; completes after that attempt whatever its outcome (a failure
   * schedules retries), so start-up never waits on an unreachable database.
   */
  @Override
  public Future<?> start() {
    if (!settings.migrate()) {
      ready = true;
      return seedIfConfigured().recover(e -> Future.succeededFuture());
    }
    Promise<Void> firstAttempt = Promise.promise();
    attempt(firstAttempt);
    return firstAttempt.future();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    return Future.succeededFuture();
  }

  private void attempt(Promise<Void> firstAttempt) {
    JdbcCoordinates jdbc = settings.jdbcCoordinates();
    vertx.executeBlocking(() -> SchemaMigrator.migrateOnce(jdbc), false)
        .compose(result -> {
          log.info("schema: {} migration(s) applied, schema at version {}", result.migrationsExecuted,
              result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion);
          ready = true;
          return seedIfConfigured();
        })
        .onComplete(ar -> {
          if (ar.failed() && !ready) {
            log.warn("schema: migration failed ({}); retrying every {} ms",
                settings.tls().explain(ar.cause()).orElseGet(() -> reason(ar.cause())), RETRY_MS);
            if (!stopped) {
              retryTimer = vertx.setTimer(RETRY_MS, id -> attempt(Promise.promise()));
            }
          } else if (ar.failed()) {
            log.warn("schema: demo data not seeded: {}", safeReason(ar.cause()));
          }
          firstAttempt.tryComplete();
        });
  }

  private Future<Void> seedIfConfigured() {
    if (!settings.seedDemoData() || settings.demoRestaurants() == 0) {
      return Future.succeededFuture();
    }
    Pool pool = settings.singleConnectionPool(vertx);
    return DemoDataSeeder.seedIfEmpty(pool, settings.demoRestaurants(), DEMO_SEED)
        .onSuccess(seeded -> {
          if (seeded) {
            log.info("schema: seeded {} demo restaurants", settings.demoRestaurants());
          }
        })
        .<Void>mapEmpty()
        .eventually(pool::close);
  }

  /**
   * Why the migration failed, for the log. Flyway's refusal of a schema it did not create suggests
   * baselineOnMigrate, which would skip migrations unchecked; the way here is the checked adoption.
   */
  private static String reason(Throwable failure) {
    if (String.valueOf(failure.getMessage()).contains("but no schema history table")) {
      return "the schema has tables but no flyway_schema_history, a database consolidb did not create: compare it with"
          + " 'consolidb check' and adopt it with 'consolidb migrate --baseline-version N' (docs/MIGRATING.md)";
    }
    return safeReason(failure);
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
