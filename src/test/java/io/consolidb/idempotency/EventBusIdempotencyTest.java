package io.consolidb.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.analytics.KnownEvents;
import io.consolidb.http.TestNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.user.UserService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The optional idempotency key of event-bus callers, through the generated proxies (not in-process). */
@ExtendWith(VertxExtension.class)
class EventBusIdempotencyTest {

  private static TestNode node;
  private RestaurantService restaurants;
  private UserService users;
  private AnalyticsService analytics;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("eb_idem");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE", "DELETE FROM analytics_events", "TRUNCATE idempotency_keys");
    restaurants = RestaurantService.createProxy(vertx, 6000);
    users = UserService.createProxy(vertx, 6000);
    analytics = AnalyticsService.createProxy(vertx, 6000);
    TestNode.deployServices(vertx, node.config(TestNode.freePort(), "")).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject restaurant(String name) {
    return new JsonObject().put("name", name).put("city", "Boston").put("latitude", 42.36).put("longitude", -71.06);
  }

  @Test
  @DisplayName("createIdempotent through the proxy: the same key and restaurant answer the same row, created once")
  void createIdempotent_replaysOverTheEventBus() {
    JsonObject first = Await.result(restaurants.createIdempotent(restaurant("Bus Deli"), "order-42"));
    JsonObject again = Await.result(restaurants.createIdempotent(restaurant("Bus Deli"), "order-42"));
    assertThat(again).isEqualTo(first);
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Bus Deli'")).isEqualTo(1);
    // without a key every call writes, as before
    Await.result(restaurants.createIdempotent(restaurant("Bus Deli"), null));
    Await.result(restaurants.create(restaurant("Bus Deli")));
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Bus Deli'")).isEqualTo(3);
  }

  @Test
  @DisplayName("another request with a used key fails with 422; a malformed key with 400 naming idempotencyKey")
  void keyReusedOrMalformed_fails() {
    Await.result(restaurants.createIdempotent(restaurant("Bus One"), "order-43"));
    assertThatThrownBy(() -> Await.result(restaurants.createIdempotent(restaurant("Bus Two"), "order-43")))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.KEY_REUSED);
          assertThat(e.getMessage()).contains("restaurants.create").contains("different");
        });
    assertThatThrownBy(() -> Await.result(restaurants.deleteIdempotent(1, "a key with spaces")))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(IdempotencyKeys.PARAMETER);
        });
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE id = 1")).isEqualTo(1);
  }

  @Test
  @DisplayName("users and analytics proxies take the key too: a replayed favourite and batch write once")
  void usersAndAnalytics_keyed() {
    Await.result(users.createIdempotent(new JsonObject().put("email", "bus@example.com"), "user-1"));
    JsonObject added = Await.result(users.addFavoriteIdempotent(1, 2, "fav-1"));
    assertThat(Await.result(users.addFavoriteIdempotent(1, 2, "fav-1"))).isEqualTo(added);
    assertThat(added.getBoolean("added")).isTrue();
    JsonArray batch = KnownEvents.all();
    JsonObject recorded = Await.result(analytics.recordBatchIdempotent(batch, "batch-1"));
    assertThat(Await.result(analytics.recordBatchIdempotent(batch, "batch-1"))).isEqualTo(recorded);
    assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(batch.size());
    assertThat(node.queryLong("SELECT count(*) FROM users")).isEqualTo(1);
  }
}
