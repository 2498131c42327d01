package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.consolidb.FailureCodes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceStatsTest {

  static Stream<MeterRegistry> registries() {
    return Stream.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new SimpleMeterRegistry());
  }

  @ParameterizedTest
  @MethodSource("registries")
  void summary_countsCallsErrorsAndLatencyPerService(MeterRegistry registry) {
    ServiceStats users = new ServiceStats("users", registry);
    ServiceStats analytics = new ServiceStats("analytics", registry);
    // 100 calls of users: 90 × 2 ms, 10 × 200 ms → avg 21.8 ms, p95 ≈ 200 ms
    for (int i = 0; i < 90; i++) {
      users.record(i % 2 == 0 ? "get" : "create", null, TimeUnit.MILLISECONDS.toNanos(2));
    }
    for (int i = 0; i < 10; i++) {
      users.record("get", i < 3 ? FailureCodes.notFound("x") : FailureCodes.unavailable("down"),
          TimeUnit.MILLISECONDS.toNanos(200));
    }
    analytics.record("recordBatch", null, TimeUnit.MILLISECONDS.toNanos(10));

    JsonObject summary = ServiceStats.summary(registry);

    assertThat(summary.fieldNames()).containsExactly("analytics", "users");
    JsonObject u = summary.getJsonObject("users");
    assertThat(u.getLong("calls")).isEqualTo(100);
    assertThat(u.getLong("errors")).isEqualTo(7);
    assertThat(u.getLong("rejected")).isEqualTo(3);
    assertThat(u.getDouble("avg_ms")).isCloseTo(21.8, within(0.01));
    assertThat(u.getDouble("p95_ms")).isCloseTo(200, within(25.0));
    JsonObject a = summary.getJsonObject("analytics");
    assertThat(a.getLong("calls")).isEqualTo(1);
    assertThat(a.getLong("errors")).isZero();
    assertThat(a.getDouble("p95_ms")).isCloseTo(10, within(1.5));
  }

  @Test
  void summary_emptyRegistry() {
    assertThat(ServiceStats.summary(new SimpleMeterRegistry())).isEqualTo(new JsonObject());
  }

  @Test
  void track_recordsTheOutcomeOfTheFuture() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServiceStats stats = new ServiceStats("users", registry);
    stats.track("get", () -> Future.succeededFuture("ok"));
    stats.track("get", () -> Future.failedFuture(new ServiceException(FailureCodes.CONFLICT, "taken")));
    stats.track("get", () -> Future.failedFuture(new IllegalStateException("bug")));
    assertThat(registry.get(ServiceStats.CALLS).tags("service", "users", "method", "get", "outcome", "success")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get(ServiceStats.CALLS).tags("outcome", "rejected").counter().count()).isEqualTo(1);
    assertThat(registry.get(ServiceStats.CALLS).tags("outcome", "failed").counter().count()).isEqualTo(1);
    assertThat(registry.get(ServiceStats.DURATION).tags("service", "users", "method", "get").timer().count())
        .isEqualTo(3);
  }
}
