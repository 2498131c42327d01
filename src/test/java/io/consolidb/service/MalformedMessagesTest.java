package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Raw event-bus messages, as a buggy or hostile caller sends them, to every service address. */
@ExtendWith(VertxExtension.class)
@DisplayName("malformed messages to the service addresses")
class MalformedMessagesTest {

  private static TestNode node;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("malformed");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    TestNode.deployServices(vertx, node.config(0, "")).await(30, TimeUnit.SECONDS);
  }

  static Stream<Arguments> malformed() {
    JsonObject id = new JsonObject().put("id", 1);
    return Stream.of(
        call(Addresses.RESTAURANTS, "get", "not json", "body must be a JSON object"),
        call(Addresses.RESTAURANTS, null, id, "missing the action header"),
        call(Addresses.RESTAURANTS, "drop", id, "unknown action 'drop'"),
        call(Addresses.RESTAURANTS, "get", new JsonObject().put("id", "abc"), "id must be a whole number"),
        call(Addresses.RESTAURANTS, "get", new JsonObject().putNull("id"), "id is required"),
        call(Addresses.RESTAURANTS, "get", new JsonObject(), "id is required"),
        call(Addresses.RESTAURANTS, "get", new JsonObject().put("id", 1.5), "id must be a whole number"),
        call(Addresses.RESTAURANTS, "get", new JsonObject().put("id", 1e30), "id must be a whole number"),
        call(Addresses.RESTAURANTS, "get", new JsonObject().put("id", new BigInteger("99999999999999999999999")),
            "id must be a whole number"),
        call(Addresses.RESTAURANTS, "near", new JsonObject().put("latitude", "north").put("longitude", 1)
            .put("radiusKm", 1).put("limit", 1), "latitude must be a finite number"),
        call(Addresses.RESTAURANTS, "near", new JsonObject().put("latitude", 1).put("longitude", 1)
            .put("radiusKm", 1).put("limit", 1L << 40), "limit must be a whole number"),
        call(Addresses.RESTAURANTS, "search", new JsonObject().put("query", 42).put("limit", 5), "query must be a string"),
        call(Addresses.RESTAURANTS, "create", new JsonObject().put("restaurant", "x"), "restaurant must be a JSON object"),
        call(Addresses.RESTAURANTS, "update", new JsonObject().put("id", 1).put("changes", new JsonArray()),
            "changes must be a JSON object"),
        call(Addresses.USERS, "get", JsonArray.of(1), "body must be a JSON object"),
        call(Addresses.USERS, null, id, "missing the action header"),
        call(Addresses.USERS, "sudo", id, "unknown action"),
        call(Addresses.USERS, "addFavorite", new JsonObject().put("userId", 1).put("restaurantId", true),
            "restaurantId must be a whole number"),
        call(Addresses.USERS, "favorites", new JsonObject().putNull("userId"), "userId is required"),
        call(Addresses.ANALYTICS, "record", 42, "body must be a JSON object"),
        call(Addresses.ANALYTICS, null, new JsonObject(), "missing the action header"),
        call(Addresses.ANALYTICS, "truncate", new JsonObject(), "unknown action"),
        call(Addresses.ANALYTICS, "recordBatch", new JsonObject().put("events", new JsonObject()),
            "events must be a JSON array"),
        call(Addresses.ANALYTICS, "topRestaurants", new JsonObject().put("from", 5).put("limit", 5),
            "from must be a string"),
        call(Addresses.ANALYTICS, "topRestaurants", new JsonObject().put("limit", "ten"), "limit must be a whole number"),
        call(Addresses.DB_QUERY, null, "SELECT 1", "must be a JSON object"),
        call(Addresses.DB_QUERY, null, new JsonObject().put("sql", 5), "sql"),
        call(Addresses.DB_QUERY, null, new JsonObject().putNull("sql"), "sql"),
        call(Addresses.DB_QUERY, null, new JsonObject().put("sql", "SELECT $1::int").put("params", "x"), "params"),
        call(Addresses.DB_QUERY, null, new JsonObject().put("sql", "SELECT 1").put("timeoutMs", "soon"), "timeoutMs"),
        call(Addresses.DB_QUERY, null, new JsonObject().put("sql", "SELECT 1").put("timeoutMs", 0.5), "timeoutMs"),
        call(Addresses.DB_QUERY, null, new JsonObject().put("sql", "SELECT 1").put("readOnly", "yes"), "readOnly"),
        call(Addresses.DB_TX, null, JsonArray.of("SELECT 1"), "must be a JSON object"),
        call(Addresses.DB_TX, null, new JsonObject().put("statements", "SELECT 1"), "statements"),
        call(Addresses.DB_TX, null, new JsonObject().put("statements", JsonArray.of(5)), "statements"),
        call(Addresses.DB_TX, null, new JsonObject().putNull("statements"), "statements"));
  }

  private static Arguments call(String address, String action, Object body, String reason) {
    return Arguments.of(address, action, body, reason);
  }

  @ParameterizedTest(name = "{0} {1} {2} → 400 \"…{3}…\"")
  @MethodSource("malformed")
  void answers400WithReason(String address, String action, Object body, String reason, Vertx vertx) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5_000);
    if (action != null) {
      options.addHeader("action", action);
    }
    Throwable failure = catchThrowable(() -> vertx.eventBus().request(address, body, options).await(10, TimeUnit.SECONDS));

    assertThat(failure).isInstanceOf(ReplyException.class);
    ReplyException reply = (ReplyException) failure;
    assertThat(reply.failureCode()).as("code of: %s", reply.getMessage()).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(reply.getMessage()).contains(reason).doesNotContain("Exception").doesNotContain("at io.");
  }
}
