package io.consolidb.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The analytics service through its event-bus proxy, over the real query verticle and a private
 * schema with the known restaurants; reports are checked against {@link KnownEvents}.
 */
@ExtendWith(VertxExtension.class)
class AnalyticsServiceTest {

  private static TestNode node;
  private AnalyticsService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("analytics_svc");
    node.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.execute("DELETE FROM analytics_events", "DROP TRIGGER IF EXISTS refuse_boom ON analytics_events");
    service = AnalyticsService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).onComplete(ctx.succeedingThenComplete());
  }

  private static long stored() {
    return node.queryLong("SELECT count(*) FROM analytics_events");
  }

  // ---- ingestion

  @Test
  @DisplayName("recordBatch commits every event before replying, with its fields as given")
  void recordBatch_commits(VertxTestContext ctx) {
    service.recordBatch(KnownEvents.all()).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply).isEqualTo(new JsonObject().put("recorded", 17));
      assertThat(stored()).isEqualTo(17);
      assertThat(node.queryLong("SELECT count(*) FROM analytics_events WHERE type = 'search'"
          + " AND properties = '{\"q\": \"deli\"}'::jsonb AND user_id = 1 AND restaurant_id IS NULL")).isEqualTo(1);
      assertThat(node.queryLong("SELECT count(*) FROM analytics_events WHERE properties = '{}'::jsonb")).isEqualTo(16);
      // no event went to the default partition: the monthly ones exist
      assertThat(node.queryLong("SELECT count(*) FROM analytics_events_default")).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("record stores one event; without occurred_at it happened now")
  void record_single(VertxTestContext ctx) {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    service.record(new JsonObject().put("type", "search").put("user_id", 9))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getInteger("recorded")).isEqualTo(1);
          assertThat(node.queryLong("SELECT extract(epoch FROM occurred_at)::bigint FROM analytics_events"))
              .isBetween(before.getEpochSecond(), Instant.now().getEpochSecond() + 1);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a batch with one invalid event stores nothing and names its index and reason")
  void recordBatch_oneInvalid(VertxTestContext ctx) {
    JsonArray events = KnownEvents.all();
    events.getJsonObject(4).remove("type");
    service.recordBatch(events).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      ServiceException e = assertCode(failure, FailureCodes.INVALID_INPUT);
      JsonArray errors = e.getDebugInfo().getJsonArray("errors");
      assertThat(errors).hasSize(1);
      assertThat(errors.getJsonObject(0).getInteger("index")).isEqualTo(4);
      assertThat(errors.getJsonObject(0).getString("parameter")).isEqualTo("type");
      assertThat(errors.getJsonObject(0).getString("reason")).contains("type is required");
      assertThat(e.getMessage()).contains("event 4").contains("nothing was recorded");
      assertThat(stored()).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("a batch with several invalid events reports each of them, in order")
  void recordBatch_severalInvalid(VertxTestContext ctx) {
    JsonArray events = JsonArray.of(
        KnownEvents.event("view", 1, 1, "2025-03-01T00:00:00Z").put("colour", "red"),
        KnownEvents.event("view", 1, 1, "2025-03-01T00:00:00Z"),
        KnownEvents.event("view", 1, 1, "yesterday"),
        KnownEvents.event("view", 1, null, "2025-03-01T00:00:00Z"),
        KnownEvents.event("Not A Type", 1, 1, "2025-03-01T00:00:00Z"),
        KnownEvents.event("view", -4, 1, "2025-03-01T00:00:00Z"),
        KnownEvents.event("view", 1, 1, Instant.now().plus(2, ChronoUnit.DAYS).toString()),
        KnownEvents.event("view", 1, 1, "2019-12-31T00:00:00Z"),
        KnownEvents.event("click", 1, 1, "2025-03-01T00:00:00Z").put("properties", "big"),
        KnownEvents.event("click", 1, 1, "2025-03-01T00:00:00Z")
            .put("properties", new JsonObject().put("x", "y".repeat(AnalyticsLimits.MAX_PROPERTIES_JSON_LENGTH))),
        "not an object");
    service.recordBatch(events).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      ServiceException e = assertCode(failure, FailureCodes.INVALID_INPUT);
      JsonArray errors = e.getDebugInfo().getJsonArray("errors");
      assertThat(errors.stream().map(o -> ((JsonObject) o).getInteger("index")).toList())
          .containsExactly(0, 2, 3, 4, 5, 6, 7, 8, 9, 10);
      assertThat(errors.stream().map(o -> ((JsonObject) o).getString("parameter")).toList())
          .containsExactly("colour", "occurred_at", "restaurant_id", "type", "user_id", "occurred_at",
              "occurred_at", "properties", "properties", "event");
      assertThat(errors.getJsonObject(0).getString("reason")).isEqualTo("unknown field: colour");
      assertThat(e.getMessage()).isEqualTo("10 events are invalid; nothing was recorded");
      assertThat(stored()).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("a batch the database refuses half-way is rolled back: nothing is stored")
  void recordBatch_databaseFailureRollsBack(VertxTestContext ctx) {
    node.execute("CREATE OR REPLACE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN IF NEW.type = 'boom' THEN RAISE EXCEPTION 'boom' USING ERRCODE = 'check_violation';"
            + " END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON analytics_events FOR EACH ROW EXECUTE FUNCTION refuse_boom()");
    JsonArray events = KnownEvents.all();
    events.add(KnownEvents.event("boom", 1, 1, "2025-03-03T00:00:00Z"));
    service.recordBatch(events).onComplete(ctx.failing(failure -> ctx.verify(() -> {
      assertCode(failure, FailureCodes.INVALID_INPUT);
      assertThat(stored()).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("a batch of 1000 is accepted; 1001 is refused with 413 and nothing stored; an empty one with 400")
  void recordBatch_sizeBounds(VertxTestContext ctx) {
    JsonArray thousand = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      thousand.add(KnownEvents.event("view", i % 50 + 1, i % 8 + 1, "2025-03-0" + (i % 4 + 1) + "T12:00:00Z"));
    }
    JsonArray tooMany = thousand.copy().add(KnownEvents.event("view", 1, 1, "2025-03-01T12:00:00Z"));
    service.recordBatch(thousand)
        .compose(ok -> {
          ctx.verify(() -> {
            assertThat(ok.getInteger("recorded")).isEqualTo(1000);
            assertThat(stored()).isEqualTo(1000);
          });
          return expect(service.recordBatch(tooMany), FailureCodes.PAYLOAD_TOO_LARGE, "events");
        })
        .compose(v -> expect(service.recordBatch(new JsonArray()), FailureCodes.INVALID_INPUT, "events"))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(stored()).isEqualTo(1000);
          ctx.completeNow();
        })));
  }

  // ---- reports over the known events

  private Future<Void> loadKnown() {
    return service.recordBatch(KnownEvents.all()).mapEmpty();
  }

  @Test
  @DisplayName("top restaurants by views in the window, exact counts, most first, limit respected")
  void topRestaurants_known(VertxTestContext ctx) {
    loadKnown()
        .compose(v -> service.topRestaurants(KnownEvents.FROM, KnownEvents.TO, 10))
        .compose(top -> {
          ctx.verify(() -> {
            assertThat(top.getJsonArray("items")).isEqualTo(KnownEvents.expectedTop());
            assertThat(top.getInteger("count")).isEqualTo(3);
            assertThat(top.getString("from")).isEqualTo("2025-03-01T00:00:00Z");
            assertThat(top.getString("to")).isEqualTo("2025-03-05T00:00:00Z");
          });
          return service.topRestaurants(KnownEvents.FROM, KnownEvents.TO, 2);
        })
        .compose(top -> {
          ctx.verify(() -> assertThat(top.getJsonArray("items"))
              .isEqualTo(new JsonArray(KnownEvents.expectedTop().getList().subList(0, 2))));
          // an instant window, from 12:00 on 2025-03-02: widened to that whole UTC day → r2 four
          // times (u1 twice in the morning, u3 twice after noon), r3 once
          return service.topRestaurants("2025-03-02T12:00:00Z", "2025-03-03T00:00:00+00:00", 10);
        })
        .onComplete(ctx.succeeding(top -> ctx.verify(() -> {
          assertThat(top.getJsonArray("items")).isEqualTo(JsonArray.of(
              KnownEvents.top(2, "Bryant Park Grill", 4), KnownEvents.top(3, "Empire Bagels", 1)));
          assertThat(top.getString("from")).isEqualTo("2025-03-02T00:00:00Z");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("daily active users: distinct users per UTC day, every day listed")
  void activeUsers_known(VertxTestContext ctx) {
    loadKnown()
        .compose(v -> service.activeUsers(KnownEvents.FROM, KnownEvents.TO))
        .onComplete(ctx.succeeding(report -> ctx.verify(() -> {
          assertThat(report.getJsonArray("items")).isEqualTo(KnownEvents.expectedActiveUsers());
          assertThat(report.getInteger("count")).isEqualTo(4);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("event counts by day and type, all types or one, with the total")
  void eventCounts_known(VertxTestContext ctx) {
    loadKnown()
        .compose(v -> service.eventCounts(KnownEvents.FROM, KnownEvents.TO, null))
        .compose(all -> {
          ctx.verify(() -> {
            assertThat(all.getJsonArray("items")).isEqualTo(KnownEvents.expectedCounts());
            assertThat(all.getLong("total")).isEqualTo(15);
          });
          return service.eventCounts(KnownEvents.FROM, KnownEvents.TO, "view");
        })
        .onComplete(ctx.succeeding(views -> ctx.verify(() -> {
          assertThat(views.getJsonArray("items")).isEqualTo(KnownEvents.expectedViewCounts());
          assertThat(views.getLong("total")).isEqualTo(10);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a restaurant's daily views, every day listed")
  void restaurantViews_known(VertxTestContext ctx) {
    loadKnown()
        .compose(v -> service.restaurantViews(2, KnownEvents.FROM, KnownEvents.TO))
        .onComplete(ctx.succeeding(report -> ctx.verify(() -> {
          assertThat(report.getJsonArray("items")).isEqualTo(KnownEvents.expectedRestaurant2Views());
          assertThat(report.getLong("total")).isEqualTo(5);
          assertThat(report.getLong("restaurant_id")).isEqualTo(2);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("without from/to a report covers the last 7 whole UTC days up to the end of today")
  void reports_defaultWindow(VertxTestContext ctx) {
    LocalDate tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    service.recordBatch(JsonArray.of(new JsonObject().put("type", "view").put("user_id", 1).put("restaurant_id", 1)))
        .compose(v -> service.activeUsers(null, null))
        .onComplete(ctx.succeeding(report -> ctx.verify(() -> {
          assertThat(report.getString("to")).isEqualTo(tomorrow + "T00:00:00Z");
          assertThat(report.getString("from")).isEqualTo(tomorrow.minusDays(7) + "T00:00:00Z");
          JsonArray items = report.getJsonArray("items");
          assertThat(items).hasSize(7);
          assertThat(items.getJsonObject(6).getInteger("active_users")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("reports refuse bad windows, limits and types with 400 naming the parameter")
  void reports_invalid(VertxTestContext ctx) {
    expect(service.topRestaurants("2025-03-05", "2025-03-01", 10), FailureCodes.INVALID_INPUT, "to")
        .compose(v -> expect(service.topRestaurants("2024-01-01", "2025-03-01", 10), FailureCodes.INVALID_INPUT, "to"))
        .compose(v -> expect(service.activeUsers("last week", null), FailureCodes.INVALID_INPUT, "from"))
        .compose(v -> expect(service.activeUsers(null, "2025-03-01T10:00:00"), FailureCodes.INVALID_INPUT, "to"))
        .compose(v -> expect(service.topRestaurants(null, null, 0), FailureCodes.INVALID_INPUT, "limit"))
        .compose(v -> expect(service.topRestaurants(null, null, 101), FailureCodes.INVALID_INPUT, "limit"))
        .compose(v -> expect(service.eventCounts(null, null, "DROP TABLE"), FailureCodes.INVALID_INPUT, "type"))
        .compose(v -> expect(service.restaurantViews(0, null, null), FailureCodes.INVALID_INPUT, "restaurantId"))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> expect(Future<?> call, int code, String parameter) {
    return call.transform(done -> {
      try {
        if (done.succeeded()) {
          throw new AssertionError("expected failure " + code + " naming " + parameter + ", got " + done.result());
        }
        ServiceException e = assertCode(done.cause(), code);
        assertThat(e.getDebugInfo().getString("parameter")).as(e.getMessage()).isEqualTo(parameter);
        return Future.succeededFuture();
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
    });
  }

  private static ServiceException assertCode(Throwable failure, int code) {
    assertThat(failure).isInstanceOf(ServiceException.class);
    ServiceException e = (ServiceException) failure;
    assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(e.failureCode()).as("failure code of: %s", e.getMessage()).isEqualTo(code);
    return e;
  }
}
