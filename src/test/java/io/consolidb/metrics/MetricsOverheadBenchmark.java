package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.bench.Comparison;
import io.consolidb.bench.MetricsOverhead;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What recording metrics costs on the query path: uncached get-by-id through the restaurant
 * service proxy and the query verticle on a node with metrics on and one with metrics off, in
 * alternating rounds of one run (so drift in the machine affects both alike). The scenario is
 * {@link MetricsOverhead}'s, the same the benchmark harness reports as {@code metrics_on_vs_off}.
 * Prints the medians, their spreads and the ratio. Excluded from the normal build:
 *
 * <pre>./mvnw -B -o verify -Dtest.excludedGroups= -Dgroups=benchmark -Dtest=MetricsOverheadBenchmark</pre>
 *
 * {@code -Dbench.rounds=9 -Dbench.seconds=3 -Dbench.inflight=64} tune it.
 */
@Tag("benchmark")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
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
      Comparison comparison = MetricsOverhead.compare(NodeSettings.fromJson(config), inflight, seconds * 1000L,
          rounds, KnownRestaurants.ALL.size());
      System.out.printf("get-by-id through the service proxy, %d in flight, %d x %d s: %s%n", inflight, rounds,
          seconds, comparison.summary());
      assertThat(comparison.ratio()).isPositive();
    }
  }
}
