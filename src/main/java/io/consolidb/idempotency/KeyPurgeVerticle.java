package io.consolidb.idempotency;

import io.consolidb.config.IdempotencySettings;
import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes idempotency keys older than the retention, in the background: every
 * {@code purgeIntervalSeconds} a round deletes batches of at most {@code purgeBatchSize} keys,
 * oldest first, until a batch finds fewer or {@code purgeMaxBatches} ran. Each batch is one
 * statement through the query verticle, so the query timeout bounds it and nothing blocks; a round
 * never starts while the previous one runs. Every node purges: batches skip rows another node has
 * locked. A key therefore answers replays for at least the retention, and is gone within the
 * retention plus about one interval (longer only while a backlog exceeds a round's batches).
 */
public final class KeyPurgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KeyPurgeVerticle.class);

  private final QueryClient queries;
  private final IdempotencySettings settings;
  private long timer = -1;
  private boolean running;
  /** Whether the last round failed, so that a lasting outage is logged once, not every round. */
  private boolean failing;

  public KeyPurgeVerticle(QueryClient queries, IdempotencySettings settings) {
    this.queries = queries;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic((long) (settings.purgeIntervalSeconds() * 1000), id -> {
      if (!running) {
        purge();
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** One round (tests call it directly): the number of keys deleted. */
  public Future<Long> purge() {
    running = true;
    return batch(0, 0)
        .onSuccess(deleted -> {
          if (failing || deleted > 0) {
            LOG.info("idempotency: purged {} keys older than {} h", deleted, settings.retentionHours());
          }
          failing = false;
        })
        .onFailure(failure -> {
          if (!failing) {
            LOG.warn("idempotency: purging old keys failed ({}); retrying every {} s", failure.getMessage(),
                settings.purgeIntervalSeconds());
          }
          failing = true;
        })
        .onComplete(done -> running = false);
  }

  private Future<Long> batch(int done, long deleted) {
    return queries.write("idempotency.purge", IdempotencySql.PURGE,
            JsonArray.of(settings.retentionSeconds(), settings.purgeBatchSize()))
        .compose(result -> {
          long total = deleted + result.rowCount();
          return result.rowCount() < settings.purgeBatchSize() || done + 1 >= settings.purgeMaxBatches()
              ? Future.succeededFuture(total)
              : batch(done + 1, total);
        });
  }
}
