package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Hostile;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Arbitrary messages to every service address: the answer comes within the caller's deadline,
 * is never 500 (nor -1, an unmapped failure), and never carries Java exception text.
 */
class EventBusProperties {

  /** What a failure may be: the documented codes, none of them 500. */
  private static final Set<Integer> DOCUMENTED = Set.of(FailureCodes.INVALID_INPUT, FailureCodes.NOT_FOUND,
      FailureCodes.CONFLICT, FailureCodes.BUSY, FailureCodes.UNAVAILABLE, FailureCodes.TIMED_OUT, 422);
  private static final long DEADLINE_MS = 5_000;

  private static Vertx vertx;
  private static TestNode node;

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    node = TestNode.create("props_bus");
    TestNode.deployServices(vertx, node.config(0, "")).await(60, TimeUnit.SECONDS);
  }

  @AfterContainer
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    node.close();
  }

  @Provide
  Arbitrary<String> serviceAddress() {
    return Arbitraries.of(Addresses.RESTAURANTS, Addresses.USERS, Addresses.ANALYTICS);
  }

  @Provide
  Arbitrary<String> action() {
    return Arbitraries.oneOf(
        Arbitraries.of("get", "near", "byCity", "search", "create", "update", "delete", "addFavorite",
            "removeFavorite", "favorites", "record", "recordBatch", "topRestaurants", "activeUsers",
            "eventCounts", "restaurantViews", "userActivity"),
        Hostile.text(),
        Arbitraries.just(null));
  }

  @Provide
  Arbitrary<Object> body() {
    return Hostile.body();
  }

  @Property(tries = 300)
  void serviceCallsNeverFailWith500(@ForAll("serviceAddress") String address, @ForAll("action") String action,
      @ForAll("body") Object body) throws Exception {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(DEADLINE_MS);
    if (action != null) {
      options.addHeader("action", action);
    }
    checkAnswer(vertx.eventBus().request(address, body, options));
  }

  @Property(tries = 200)
  void queryRequestsNeverFailWith500(@ForAll("queryAddress") String address, @ForAll("body") Object body)
      throws Exception {
    checkAnswer(vertx.eventBus().request(address, body, new DeliveryOptions().setSendTimeout(DEADLINE_MS)));
  }

  @Provide
  Arbitrary<String> queryAddress() {
    return Arbitraries.of(Addresses.DB_QUERY, Addresses.DB_TX);
  }

  private static void checkAnswer(Future<?> answer) throws Exception {
    // the answer, or the sender's own timeout, arrives within the deadline: await a little longer
    answer.otherwiseEmpty().await(DEADLINE_MS + 2_000, TimeUnit.MILLISECONDS);
    if (answer.succeeded()) {
      return;
    }
    assertThat(answer.cause()).isInstanceOf(ReplyException.class);
    ReplyException failure = (ReplyException) answer.cause();
    assertThat(failure.failureType()).as("%s", failure.getMessage()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(failure.failureCode()).as("code of: %s", failure.getMessage()).isIn(DOCUMENTED);
    assertThat(Hostile.leaksInternals(failure.getMessage())).as("internals in: %s", failure.getMessage()).isFalse();
  }
}
