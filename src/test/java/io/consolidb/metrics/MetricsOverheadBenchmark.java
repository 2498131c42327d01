package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.query.QueryVerticle;
import io.consolidb.schema.RestaurantQueries;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What recording metrics costs on the query path: get-by-id requests through the query verticle
 * on a Vert.x instance with metrics on and one with metrics off, in alternating rounds of one run
 * (so drift in the machine affects both alike). Prints the throughput of each round and the
 * ratio of the medians. Excluded from the normal build:
 *
 * <pre>./mvnw -B -o verify -Dtest.excludedGroups= -Dgroups=benchmark -Dtest=MetricsOverheadBenchmark</pre>
 *
 * {@code -Dbench.rounds=9 -Dbench.seconds=3 -Dbench.inflight=64} tune it.
 */
@Tag("benchmark")
class MetricsOverheadBenchmark {

  @Test
  void getByIdThroughput_metricsOnVersusOff() throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 9);
    int seconds = Integer.getInteger("bench.seconds", 3);
    int inflight = Integer.getInteger("bench.inflight", 64);
    try (TestNode schema = TestNode.create("metrics_bench")) {
      schema.reseed();
      JsonObject config = schema.config(0, "");
      config.getJsonObject("database").put("pool", new JsonObject().put("size", 8).put("timeoutSeconds", 5))
          .put("slowQueryThresholdSeconds", 2.0);
      Vertx on = Vertx.builder().with(new VertxOptions().setMetricsOptions(Meters.vertxOptions())).build();
      Vertx off = Vertx.builder().with(new VertxOptions()).build();
      try {
        for (Vertx vertx : new Vertx[] {on, off}) {
          vertx.deployVerticle(new QueryVerticle(), new DeploymentOptions().setConfig(config)).await();
          run(vertx, 5, inflight); // warm-up: JIT, connections, prepared statements
        }
        assertThat(Meters.recording(Meters.registry(on))).isTrue();
        assertThat(Meters.recording(Meters.registry(off))).isFalse();
        double[] withMetrics = new double[rounds];
        double[] without = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          // alternate which goes first, so neither always runs on a warmer machine
          if (r % 2 == 0) {
            withMetrics[r] = run(on, seconds, inflight);
            without[r] = run(off, seconds, inflight);
          } else {
            without[r] = run(off, seconds, inflight);
            withMetrics[r] = run(on, seconds, inflight);
          }
          System.out.printf("round %d: metrics on %.0f/s, off %.0f/s%n", r + 1, withMetrics[r], without[r]);
        }
        double medianOn = median(withMetrics);
        double medianOff = median(without);
        System.out.printf("get-by-id through the query verticle, %d in flight, %d x %d s: median on %.0f/s,"
            + " off %.0f/s, on/off = %.3f%n", inflight, rounds, seconds, medianOn, medianOff, medianOn / medianOff);
        assertThat(Meters.registry(on).get("consolidb.db.queries").tag("operation", "restaurants.get")
            .tag("outcome", "success").counter().count()).isPositive();
      } finally {
        on.close().await();
        off.close().await();
      }
    }
  }

  /** Requests per second over {@code seconds}, keeping {@code inflight} requests outstanding. */
  private static double run(Vertx vertx, int seconds, int inflight) throws Exception {
    AtomicLong done = new AtomicLong();
    Promise<Void> finished = Promise.promise();
    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong outstanding = new AtomicLong(inflight);
    vertx.runOnContext(v -> {
      for (int i = 0; i < inflight; i++) {
        next(vertx, i, deadline, done, outstanding, finished);
      }
    });
    finished.future().await(seconds + 30L, TimeUnit.SECONDS);
    return done.get() / ((System.nanoTime() - started) / 1e9);
  }

  private static void next(Vertx vertx, long n, long deadline, AtomicLong done, AtomicLong outstanding,
      Promise<Void> finished) {
    if (System.nanoTime() >= deadline) {
      if (outstanding.decrementAndGet() == 0) {
        finished.tryComplete();
      }
      return;
    }
    JsonObject request = new JsonObject().put("operation", "restaurants.get").put("sql", RestaurantQueries.BY_ID)
        .put("params", new JsonArray().add(1 + n % 10)).put("readOnly", true);
    vertx.eventBus().request(Addresses.DB_QUERY, request, new DeliveryOptions().setSendTimeout(10_000))
        .onComplete(reply -> {
          if (reply.failed()) {
            finished.tryFail(reply.cause());
            return;
          }
          done.incrementAndGet();
          next(vertx, n + 1, deadline, done, outstanding, finished);
        });
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
