package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.analytics.AnalyticsService;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.user.UserService;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The performance summary carries each service's own calls, failures and latency. */
class ServiceSummaryTest {

  private static TestNode schema;

  @BeforeAll
  static void migrate() {
    schema = TestNode.create("service_summary");
    schema.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    schema.close();
  }

  @Test
  @DisplayName("/metrics/summary lists users and analytics under services with calls, rejections and latency")
  void summary_perService() throws Exception {
    try (MeteredNode node = MeteredNode.start(schema, new JsonObject(),
        EnumSet.of(Component.QUERY, Component.METRICS, Component.USERS, Component.ANALYTICS))) {
      UserService users = UserService.createProxy(node.vertx, 5000);
      AnalyticsService analytics = AnalyticsService.createProxy(node.vertx, 5000);
      users.create(new JsonObject().put("email", "summary@example.test").put("display_name", "S"))
          .await(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> users.get(987654321L).await(10, TimeUnit.SECONDS));
      analytics.topRestaurants(null, null, 5).await(10, TimeUnit.SECONDS);

      JsonObject services = node.summary().getJsonObject("services");
      JsonObject userStats = services.getJsonObject("users");
      assertThat(userStats.getLong("calls")).isEqualTo(2);
      assertThat(userStats.getLong("rejected")).isEqualTo(1);
      assertThat(userStats.getLong("errors")).isZero();
      assertThat(userStats.getDouble("avg_ms")).isPositive();
      assertThat(services.getJsonObject("analytics").getLong("calls")).isEqualTo(1);
      assertThat(services.encode()).doesNotContain("summary@example.test");
    }
  }
}
