package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.NodeSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's one PostgreSQL pool and answers the node-local addresses
 * {@link Addresses#DB_QUERY}, {@link Addresses#DB_TX} and {@link Addresses#DB_POOL_STATE}
 * (DESIGN.md §1–2). Deploy one instance per node, with the node's settings JSON as config.
 *
 * <p>Start does not touch the database: the node starts while PostgreSQL is down, requests fail
 * with 503 meanwhile, and they succeed as soon as it is back, without a restart. Every failure
 * reply carries a {@link FailureCodes} code and a message safe for clients.
 */
public final class QueryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueryVerticle.class);
  private static final DeliveryOptions REPLY = new DeliveryOptions().setCodecName(ReplyCodec.NAME);

  private Pool pool;
  private QueryExecutor executor;

  @Override
  public Future<?> start() {
    DatabaseSettings settings;
    try {
      settings = NodeSettings.fromJson(config()).database();
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    pool = PgBuilder.pool()
        .with(settings.poolOptions())
        .with(settings.netClientOptions())
        .connectingTo(settings.connectOptions())
        .using(vertx)
        .build();
    executor = new QueryExecutor(vertx, pool, settings, QueryExecutor.CANCEL_GRACE_MS);
    EventBus bus = vertx.eventBus();
    try {
      bus.registerCodec(new ReplyCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a previous deployment on this Vert.x registered it; it stays, stateless, for late replies
    }
    LOG.info("query service: pool {} of up to {} connections to {}", DatabaseSettings.POOL_NAME,
        settings.poolOptions().getMaxSize(), settings.maskedUrl());
    return Future.all(
        bus.localConsumer(Addresses.DB_QUERY, this::onQuery).completion(),
        bus.localConsumer(Addresses.DB_TX, this::onTransaction).completion(),
        bus.localConsumer(Addresses.DB_POOL_STATE, this::onPoolState).completion());
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private void onQuery(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    executor.query(body).onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  private void onTransaction(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    executor.transaction(body).onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  private void onPoolState(Message<Object> message) {
    message.reply(executor.poolState(), REPLY);
  }

  private static void reply(Message<Object> message, JsonObject result, Throwable failure) {
    if (failure == null) {
      message.reply(result, REPLY);
    } else {
      QueryFailure mapped = SqlFailures.execution(failure);
      message.fail(mapped.code(), mapped.getMessage());
    }
  }
}
