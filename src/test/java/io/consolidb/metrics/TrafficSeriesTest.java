package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The status page's traffic ring, on meters named and tagged as Vert.x's HTTP server names them. */
class TrafficSeriesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final MeterRegistry registry = new SimpleMeterRegistry();

  private void requests(String route, int count, long millisEach) {
    Counter counter = registry.counter(TrafficSeries.REQUESTS, "route", route, "method", "GET", "code", "200");
    Timer timer = registry.timer(TrafficSeries.RESPONSE_TIME, "route", route, "method", "GET", "code", "200");
    for (int i = 0; i < count; i++) {
      counter.increment();
      timer.record(Duration.ofMillis(millisEach));
    }
  }

  @Test
  void sample_givesRateAndMeanOfEachInterval() {
    TrafficSeries series = new TrafficSeries(registry, 10, "/status");
    requests("/api/v1/restaurants/:id", 5, 100); // before the first sample: not in any interval
    series.sample(T0);
    assertThat(series.toJson()).isEmpty();

    requests("/api/v1/restaurants/:id", 4, 10);
    requests("/api/v1/restaurants/search", 4, 30);
    series.sample(T0.plusSeconds(2));
    series.sample(T0.plusSeconds(4));

    JsonArray samples = series.toJson();
    assertThat(samples).hasSize(2);
    JsonObject busy = samples.getJsonObject(0);
    assertThat(busy.getString("at")).isEqualTo("2026-01-01T00:00:02Z");
    assertThat(busy.getDouble("requests_per_second")).isEqualTo(4.0);
    assertThat(busy.getDouble("mean_ms")).isEqualTo(20.0);
    JsonObject idle = samples.getJsonObject(1);
    assertThat(idle.getDouble("requests_per_second")).isZero();
    assertThat(idle.getValue("mean_ms")).as("no request ended: no mean").isNull();
  }

  @Test
  void sample_leavesOutTheExcludedRoutes() {
    TrafficSeries series = new TrafficSeries(registry, 10, "/status");
    series.sample(T0);
    requests("/status/data", 20, 500);
    requests("/health", 2, 4);
    series.sample(T0.plusSeconds(2));
    JsonObject sample = series.toJson().getJsonObject(0);
    assertThat(sample.getDouble("requests_per_second")).isEqualTo(1.0);
    assertThat(sample.getDouble("mean_ms")).isEqualTo(4.0);
  }

  @Test
  void sample_keepsTheNewestCapacitySamples() {
    TrafficSeries series = new TrafficSeries(registry, 3, "/status");
    for (int i = 0; i <= 5; i++) {
      series.sample(T0.plusSeconds(2L * i));
    }
    assertThat(series.toJson().stream().map(s -> ((JsonObject) s).getString("at")))
        .containsExactly("2026-01-01T00:00:06Z", "2026-01-01T00:00:08Z", "2026-01-01T00:00:10Z");
  }

  @Test
  void available_onlyWhenMetricsAreExported() {
    assertThat(new TrafficSeries(registry, 2, "/status").available()).isFalse();
    assertThat(new TrafficSeries(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 2, "/status").available())
        .isTrue();
  }

  @Test
  void constructor_rejectsARingTooSmallToDraw() {
    assertThatThrownBy(() -> new TrafficSeries(registry, 1, "/status"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 1");
  }
}
