package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A published invalidation completes once as many members as the membership counts have applied
 * it, or after the timeout (counted); members here are consumers of the invalidation address on
 * one event bus, acknowledging as a member's cache verticle does.
 */
@DisplayName("Invalidation acknowledgements")
class InvalidationAcksTest {

  private static final long TIMEOUT_MS = 300;

  private Vertx vertx;
  private Counter unacknowledged;
  private final AtomicInteger peers = new AtomicInteger();
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private InvalidationAcks acks;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    unacknowledged = new SimpleMeterRegistry().counter("unacknowledged");
    acks = new InvalidationAcks(vertx, "node-a", peers::get, TIMEOUT_MS, unacknowledged);
    vertx.eventBus().<JsonObject>consumer(acks.address(), m -> acks.acknowledged(m.body().getLong("id")));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** A member that applies every invalidation and acknowledges it {@code times} times. */
  private void member(int times) {
    vertx.eventBus().<JsonObject>consumer(Addresses.CACHE_INVALIDATIONS, m -> {
      received.add(m.body());
      for (int i = 0; i < times; i++) {
        InvalidationAcks.acknowledge(vertx, m.body());
      }
    });
  }

  private static JsonObject invalidation() {
    return new JsonObject().put("keys", List.of("r:1"));
  }

  @Test
  @DisplayName("acknowledgements go to this node's own address")
  void address() {
    assertThat(acks.address()).isEqualTo("consolidb.cache.acks.node-a");
  }

  @Test
  @DisplayName("no other member: published without asking for acknowledgements, complete at once")
  void alone() {
    member(0);
    Future<Void> published = acks.publish(invalidation());
    assertThat(published.succeeded()).isTrue();
    Await.until("delivered", 5_000, () -> received.size() == 1);
    assertThat(received.get(0).containsKey("ack")).isFalse();
  }

  @Test
  @DisplayName("two members: complete only once both acknowledged, well before the timeout")
  void completesWhenEveryMemberAcknowledged() {
    peers.set(2);
    member(1);
    Future<Void> published = acks.publish(invalidation());
    Await.until("delivered", 5_000, () -> received.size() == 1);
    assertThat(received.get(0).getJsonObject("ack").getString("to")).isEqualTo(acks.address());
    assertThat(published.isComplete()).as("one of two acknowledged").isFalse();

    member(1);
    long started = System.nanoTime();
    Future<Void> second = acks.publish(invalidation());
    Await.result(second);
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(TIMEOUT_MS);
    assertThat(received.stream().map(r -> r.getJsonObject("ack").getLong("id")).distinct()).hasSize(2);
    Await.result(published); // its timeout ends it
    assertThat(unacknowledged.count()).isEqualTo(1.0);
    assertThat(second.succeeded()).isTrue();
  }

  @Test
  @DisplayName("a member that never answers: complete after the timeout, counted; a late acknowledgement changes nothing")
  void timeoutCompletesAndCounts() throws Exception {
    peers.set(1);
    member(0);
    long started = System.nanoTime();
    Await.result(acks.publish(invalidation()));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(tookMs).isBetween(TIMEOUT_MS - 20, TIMEOUT_MS + 2_000);
    assertThat(unacknowledged.count()).isEqualTo(1.0);

    InvalidationAcks.acknowledge(vertx, received.get(0));
    Thread.sleep(100);
    assertThat(unacknowledged.count()).isEqualTo(1.0);
  }

  @Test
  @DisplayName("an acknowledgement request without a reply address of ours, or without a numeric id, is not answered")
  void malformedRequestsAreNotAnswered() throws Exception {
    AtomicInteger answered = new AtomicInteger();
    vertx.eventBus().consumer("elsewhere", m -> answered.incrementAndGet());
    vertx.eventBus().consumer(InvalidationAcks.ADDRESS_PREFIX + "other", m -> answered.incrementAndGet());

    InvalidationAcks.acknowledge(vertx, invalidation());
    InvalidationAcks.acknowledge(vertx, invalidation().put("ack", new JsonObject().put("to", "elsewhere").put("id", 1)));
    InvalidationAcks.acknowledge(vertx, invalidation().put("ack", new JsonObject().put("id", 1)));
    InvalidationAcks.acknowledge(vertx, invalidation().put("ack",
        new JsonObject().put("to", InvalidationAcks.ADDRESS_PREFIX + "other").put("id", "1")));
    Thread.sleep(100);
    assertThat(answered).hasValue(0);

    InvalidationAcks.acknowledge(vertx, invalidation().put("ack",
        new JsonObject().put("to", InvalidationAcks.ADDRESS_PREFIX + "other").put("id", 7)));
    Await.until("answered", 5_000, () -> answered.get() == 1);
  }
}
