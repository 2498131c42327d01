package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The readiness placeholder against a fake query verticle (a consumer on
 * {@code consolidb.db.query}): it must not pile up checks, and must report DOWN in bounded time.
 */
@ExtendWith(VertxExtension.class)
class ReadinessProbeTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);

  private ReadinessProbe probe(Vertx vertx) {
    return new ReadinessProbe(new QueryClient(vertx, 3000), clock::get);
  }

  /** A fake query verticle that counts requests and answers each after {@code delayMs}, or fails with {@code code}. */
  private static AtomicInteger fakeQueries(Vertx vertx, long delayMs, int code) {
    AtomicInteger received = new AtomicInteger();
    vertx.eventBus().<JsonObject>consumer(Addresses.DB_QUERY, message -> {
      received.incrementAndGet();
      assertThat(message.body().getString("sql")).isEqualTo("SELECT 1");
      vertx.setTimer(Math.max(1, delayMs), t -> { // a timer needs at least 1 ms
        if (code == 0) {
          message.reply(new JsonObject().put("rows", new JsonArray().add(new JsonObject().put("?column?", 1)))
              .put("rowCount", 1).put("cached", false).put("durationMs", 0));
        } else {
          message.fail(code, "connection refused to 10.0.0.5:5432 with password hunter2");
        }
      });
    });
    return received;
  }

  @Test
  @DisplayName("concurrent checks share one query, and a result is reused for a second")
  void check_singleFlight(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger queries = fakeQueries(vertx, 100, 0);
    vertx.runOnContext(v -> {
      ReadinessProbe probe = probe(vertx);
      List<Future<ReadinessProbe.Result>> checks = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        checks.add(probe.check());
      }
      Future.all(checks)
          .compose(all -> {
            ctx.verify(() -> {
              assertThat(queries.get()).isEqualTo(1);
              assertThat(checks).allSatisfy(c -> assertThat(c.result().ready()).isTrue());
            });
            clock.addAndGet(500);
            return probe.check();
          })
          .compose(reused -> {
            ctx.verify(() -> assertThat(queries.get()).as("a result younger than 1 s is reused").isEqualTo(1));
            clock.addAndGet(600);
            return probe.check();
          })
          .onComplete(ctx.succeeding(fresh -> ctx.verify(() -> {
            assertThat(queries.get()).as("an older result is checked again").isEqualTo(2);
            assertThat(fresh.ready()).isTrue();
            ctx.completeNow();
          })));
    });
  }

  @Test
  @DisplayName("a database that does not answer makes the probe DOWN within about a second")
  void check_hungDatabase(Vertx vertx, VertxTestContext ctx) {
    fakeQueries(vertx, 60_000, 0);
    long started = System.nanoTime();
    vertx.runOnContext(v -> probe(vertx).check().onComplete(ctx.succeeding(result -> ctx.verify(() -> {
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(result.ready()).isFalse();
      assertThat(result.toJson().getString("status")).isEqualTo("DOWN");
      assertThat(result.reason()).contains("did not answer");
      assertThat(tookMs).isBetween(900L, 2000L);
      ctx.completeNow();
    }))));
  }

  @Test
  @DisplayName("a failed check reports DOWN with a fixed reason, never the query layer's text")
  void check_failure(Vertx vertx, VertxTestContext ctx) {
    fakeQueries(vertx, 0, FailureCodes.UNAVAILABLE);
    vertx.runOnContext(v -> probe(vertx).check().onComplete(ctx.succeeding(result -> ctx.verify(() -> {
      assertThat(result.ready()).isFalse();
      assertThat(result.toJson()).isEqualTo(new JsonObject().put("status", "DOWN")
          .put("reason", "the database is unavailable"));
      ctx.completeNow();
    }))));
  }
}
