package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache verticle on one Vert.x (not clustered), its LISTEN on the real PostgreSQL: the bus
 * contract of {@code consolidb.cache.invalidate} and {@code .stats}, and what it does with an
 * invalidation published by another member: applied and acknowledged, or refused when its sender
 * fails the check, ignored when it is this node's own.
 */
class CacheVerticleTest {

  private static final String ACKS = InvalidationAcks.ADDRESS_PREFIX + "test";
  private static final String TRUSTED = "trusted";

  private Vertx vertx;
  private NodeCache cache;
  private CacheVerticle verticle;
  private final LinkedBlockingQueue<Long> acks = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, "verticle:", 3, 1, 1 << 20, 0, 3000, 20);
    cache = new NodeCache(vertx, settings, new RedisSettings(false, "redis://127.0.0.1:1", "", false, 0.1, 1),
        new SimpleMeterRegistry());
    verticle = new CacheVerticle(cache, TestServices.pgConnectOptions(), headers -> TRUSTED.equals(headers.get("token"))
        ? Future.succeededFuture() : Future.failedFuture("not a member's token"));
    vertx.deployVerticle(verticle).await(30, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(ACKS, ack -> acks.add(ack.body().getLong("id")));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private void fill(String key) throws Exception {
    cache.readThrough(key, new CacheSpec(60, key, List.of("t")), new RowsLoader() {
      @Override
      public Future<JsonArray> load() {
        return Future.succeededFuture(JsonArray.of(key));
      }
    }).await(10, TimeUnit.SECONDS);
  }

  private void publish(JsonObject invalidation, String token) {
    vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS, invalidation,
        new DeliveryOptions().addHeader("token", token));
  }

  private static JsonObject fromOtherNode(long id, String... keys) {
    return new JsonObject().put("keys", new JsonArray(List.of((Object[]) keys))).put("origin", "another-node")
        .put("ack", new JsonObject().put("to", ACKS).put("id", id));
  }

  private long stat(String group, String name) throws Exception {
    JsonObject stats = vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, null).await(10, TimeUnit.SECONDS).body();
    return stats.getJsonObject(group).getLong(name);
  }

  @Test
  void anotherMembersInvalidation_isAppliedAndAcknowledged() throws Exception {
    fill("a");
    fill("b");
    publish(fromOtherNode(7, "a"), TRUSTED);

    assertThat(acks.poll(10, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(cache.peekLocal("a")).isNull();
    assertThat(cache.peekLocal("b")).isEqualTo(JsonArray.of("b"));
    assertThat(stat("invalidations", "from_other_nodes")).isEqualTo(1);
  }

  @Test
  void anUntrustedSender_isRefusedCountedAndNotAcknowledged() throws Exception {
    fill("a");
    publish(fromOtherNode(8, "a"), "forged");
    publish(fromOtherNode(9, "a"), "forged");

    assertThat(acks.poll(500, TimeUnit.MILLISECONDS)).isNull();
    assertThat(cache.peekLocal("a")).isEqualTo(JsonArray.of("a"));
    assertThat(stat("invalidations", "refused")).isEqualTo(2);
  }

  @Test
  void thisNodesOwnInvalidation_andAnEmptyOne_areIgnored() throws Exception {
    fill("a");
    publish(fromOtherNode(10, "a").put("origin", cache.origin()), TRUSTED);
    vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS, null, new DeliveryOptions().addHeader("token", TRUSTED));

    assertThat(acks.poll(500, TimeUnit.MILLISECONDS)).isNull();
    assertThat(cache.peekLocal("a")).isEqualTo(JsonArray.of("a"));
    assertThat(stat("invalidations", "from_other_nodes")).isZero();
  }

  @Test
  void aMalformedInvalidation_isDroppedButAcknowledged_soItsPublisherDoesNotWait() throws Exception {
    fill("a");
    publish(fromOtherNode(11).put("pattern", 42), TRUSTED);

    assertThat(acks.poll(10, TimeUnit.SECONDS)).isEqualTo(11);
    assertThat(cache.peekLocal("a")).isEqualTo(JsonArray.of("a"));
  }

  @Test
  void invalidateOnTheBus_answersWhatWent_andRefusesBadInputWith400() throws Exception {
    fill("a");
    JsonObject dropped = vertx.eventBus().<JsonObject>request(Addresses.CACHE_INVALIDATE,
        new JsonObject().put("keys", new JsonArray().add("a"))).await(10, TimeUnit.SECONDS).body();
    assertThat(dropped.getLong("dropped")).isEqualTo(1);
    assertThat(cache.peekLocal("a")).isNull();

    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.CACHE_INVALIDATE, new JsonObject().put("pattern", 42))
        .await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getMessage()).isEqualTo("pattern must be a string");
        });
    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.CACHE_INVALIDATE, "not json").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT));
  }

  @Test
  void stats_carryTheListenConnection_andStopClosesTheCache() throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!verticle.listening() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(verticle.listening()).as("LISTEN on the real database").isTrue();
    JsonObject stats = vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, null).await(10, TimeUnit.SECONDS).body();
    assertThat(stats.getJsonObject("listen").getBoolean("connected")).isTrue();

    fill("a");
    vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(30, TimeUnit.SECONDS);
    assertThat(cache.peekLocal("a")).as("closed: the local tier emptied").isNull();
    assertThat(verticle.listening()).isFalse();
  }

  @Test
  void withCachingOff_statsSaySo_invalidationsAnswerNothingDropped_andAreStillAcknowledged() throws Exception {
    Vertx off = Vertx.vertx();
    try {
      CacheVerticle none = new CacheVerticle(null, TestServices.pgConnectOptions());
      off.deployVerticle(none).await(30, TimeUnit.SECONDS);
      Promise<Long> acked = Promise.promise();
      off.eventBus().<JsonObject>consumer(ACKS, ack -> acked.tryComplete(ack.body().getLong("id")));
      assertThat(none.listening()).isFalse();
      assertThat(off.eventBus().<JsonObject>request(Addresses.CACHE_STATS, null).await(10, TimeUnit.SECONDS).body())
          .isEqualTo(new JsonObject().put("enabled", false));
      JsonObject dropped = off.eventBus().<JsonObject>request(Addresses.CACHE_INVALIDATE,
          new JsonObject().put("keys", new JsonArray().add("a"))).await(10, TimeUnit.SECONDS).body();
      assertThat(dropped.getInteger("dropped")).isZero();
      assertThat(dropped.containsKey("redis")).isTrue();
      off.eventBus().publish(Addresses.CACHE_INVALIDATIONS, fromOtherNode(12, "a"));
      assertThat(acked.future().await(10, TimeUnit.SECONDS)).isEqualTo(12);
    } finally {
      off.close().await(30, TimeUnit.SECONDS);
    }
  }
}
