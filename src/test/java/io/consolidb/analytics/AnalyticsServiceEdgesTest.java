package io.consolidb.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The analytics service through its proxy, on the real query verticle and PostgreSQL: the edges
 * the report and ingestion tests leave out (the limit's bounds, keyed batches, a statement the
 * database refuses) and the verticle's partition upkeep at start.
 */
class AnalyticsServiceEdgesTest {

  private static TestNode node;
  private Vertx vertx;
  private AnalyticsService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("analytics_edges");
    node.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void clear() {
    node.execute("DELETE FROM analytics_events", "DELETE FROM idempotency_keys");
    vertx = Vertx.vertx();
    service = AnalyticsService.createProxy(vertx, 5000);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private void deploy() throws Exception {
    TestNode.deployServices(vertx, node.config(0, "")).await(60, TimeUnit.SECONDS);
  }

  private static JsonObject view(long restaurant) {
    return new JsonObject().put("type", "view").put("restaurant_id", restaurant).put("user_id", 1)
        .put("occurred_at", "2025-03-02T10:00:00Z");
  }

  private static ServiceException failure(Future<?> call) {
    Throwable cause = Await.result(call.transform(done -> Future.succeededFuture(done.cause())));
    assertThat(cause).isInstanceOf(ServiceException.class);
    return (ServiceException) cause;
  }

  @Test
  @DisplayName("topRestaurants accepts a limit of 1 and of 100, its bounds")
  void topRestaurants_limitBounds() throws Exception {
    deploy();
    Await.result(service.recordBatch(JsonArray.of(view(1), view(1), view(2))));
    JsonObject one = Await.result(service.topRestaurants("2025-03-01", "2025-03-05", 1));
    assertThat(one.getInteger("count")).isEqualTo(1);
    assertThat(one.getJsonArray("items").getJsonObject(0).getLong("restaurant_id")).isEqualTo(1L);
    assertThat(Await.result(service.topRestaurants("2025-03-01", "2025-03-05", 100)).getInteger("count"))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("a batch sent twice with one key is recorded once; both answers say how many")
  void keyedBatch_recordedOnce() throws Exception {
    deploy();
    JsonArray batch = JsonArray.of(view(1), view(2));
    assertThat(Await.result(service.recordBatchIdempotent(batch, "batch-1")).getInteger("recorded")).isEqualTo(2);
    assertThat(Await.result(service.recordBatchIdempotent(batch, "batch-1")).getInteger("recorded")).isEqualTo(2);
    assertThat(Await.result(service.recordIdempotent(view(3), "event-1")).getInteger("recorded")).isEqualTo(1);
    assertThat(Await.result(service.recordIdempotent(view(3), "event-1")).getInteger("recorded")).isEqualTo(1);
    assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(3);
  }

  @Test
  @DisplayName("with the events table refused to the node, recording and every report fail with 400 and the service's message")
  void refusedByTheDatabase_400() throws Exception {
    deploy();
    // the node's own role loses its rights on the table (SQLSTATE 42501). Not a rename: the
    // search_path goes on to public, where the suite's other tests keep an events table of their own.
    node.execute("REVOKE ALL ON analytics_events FROM CURRENT_USER");
    try {
      for (Future<?> call : java.util.List.<Future<?>>of(
          service.record(view(1)),
          service.recordBatchIdempotent(JsonArray.of(view(1)), "gone-1"))) {
        ServiceException e = failure(call);
        assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("the database refused the values; nothing was recorded");
      }
      for (Future<?> report : java.util.List.<Future<?>>of(
          service.topRestaurants("2025-03-01", "2025-03-05", 10),
          service.activeUsers("2025-03-01", "2025-03-05"),
          service.eventCounts("2025-03-01", "2025-03-05", null),
          service.restaurantViews(1, "2025-03-01", "2025-03-05"))) {
        ServiceException e = failure(report);
        assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("the database refused the values; nothing was recorded");
      }
    } finally {
      node.execute("GRANT ALL ON analytics_events TO CURRENT_USER");
    }
  }

  @Test
  @DisplayName("a starting node creates the coming months' event partitions that are missing, at once")
  void start_createsMissingPartitions() throws Exception {
    String next = "analytics_events_"
        + LocalDate.now(ZoneOffset.UTC).plusMonths(1).format(DateTimeFormatter.ofPattern("yyyy_MM"));
    node.execute("DROP TABLE IF EXISTS " + next);
    assertThat(node.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + next + "'"
        + " AND relnamespace = '" + node.schema() + "'::regnamespace")).isZero();
    deploy();
    Await.until(next + " is created", 10_000, () -> node.queryLong("SELECT count(*) FROM pg_class WHERE relname = '"
        + next + "' AND relnamespace = '" + node.schema() + "'::regnamespace") == 1);
  }
}
