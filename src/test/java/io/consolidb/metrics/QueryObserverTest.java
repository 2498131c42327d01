package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueryObserverTest {

  private SimpleMeterRegistry registry;
  private QueryStats stats;
  private QueryObserver observer;

  @BeforeEach
  void create() {
    registry = new SimpleMeterRegistry();
    stats = new QueryStats();
    observer = new QueryObserver(registry, true, stats, 100);
  }

  private void ok(String operation, long millis) {
    observer.record(operation, TimeUnit.MILLISECONDS.toNanos(millis), 0, null, () -> "SELECT ?", "SELECT 1");
  }

  private double queries(String operation, String outcome) {
    return registry.get("consolidb.db.queries").tag("operation", operation).tag("outcome", outcome).counter().count();
  }

  @Test
  void replicas_lagGaugeAndCountersByTarget_inPrometheusNames() {
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus =
        new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    QueryObserver observed = new QueryObserver(prometheus, true, stats, 100);
    double[] lag = {0.25};
    observed.replicaLag("127.0.0.1:5442", () -> lag[0]);
    observed.routed("primary");
    observed.routed("127.0.0.1:5442");
    observed.routed("127.0.0.1:5442");
    lag[0] = 1.5;
    String scrape = prometheus.scrape();
    assertThat(scrape).contains("consolidb_db_replica_lag_seconds{replica=\"127.0.0.1:5442\"} 1.5")
        .contains("consolidb_db_target_queries_total{target=\"127.0.0.1:5442\"} 2.0")
        .contains("consolidb_db_target_queries_total{target=\"primary\"} 1.0");
  }

  @Test
  void routed_notRecording_countsNothing() {
    QueryObserver off = new QueryObserver(registry, false, stats, 100);
    off.routed("primary");
    assertThat(registry.find("consolidb.db.target.queries").counter()).isNull();
  }

  @Test
  void record_missingOperation_isUnnamed() {
    ok(null, 1);
    assertThat(queries("unnamed", "success")).isEqualTo(1);
  }

  @Test
  void record_operationThatIsNotAName_isOther() {
    ok("SELECT * FROM restaurants WHERE id = 42", 1);
    ok("restaurants.get/42 ", 1);
    assertThat(queries("other", "success")).isEqualTo(2);
    assertThat(registry.find("consolidb.db.queries").tag("operation", "SELECT * FROM restaurants WHERE id = 42")
        .counter()).isNull();
  }

  @Test
  void record_beyondTheCap_isOther() {
    for (int i = 0; i < QueryObserver.MAX_OPERATIONS + 50; i++) {
      ok("op." + i, 1);
    }
    ok("op.0", 1);
    assertThat(registry.find("consolidb.db.queries").tag("outcome", "success").counters())
        .hasSize(QueryObserver.MAX_OPERATIONS + 1);
    assertThat(queries("other", "success")).isEqualTo(50);
    assertThat(queries("op.0", "success")).isEqualTo(2);
  }

  @Test
  void record_failures_countedByOutcomeAndSqlStateClass() {
    observer.record("r", 5_000_000, FailureCodes.INVALID_INPUT, "division by zero (SQLSTATE 22012)", () -> "x", null);
    observer.record("r", 5_000_000, FailureCodes.TIMED_OUT, "query timed out after 3000 ms", () -> "x", null);
    observer.record("r", 5_000_000, FailureCodes.CONFLICT,
        "duplicate value violates a unique constraint (SQLSTATE 23505, constraint c)", () -> "x", null);
    observer.record("r", 5_000_000, FailureCodes.BUSY, "connection pool busy", () -> "x", null);
    assertThat(queries("r", "error")).isEqualTo(3);
    assertThat(queries("r", "timeout")).isEqualTo(1);
    for (String cls : new String[] {"22", "timeout", "23", "pool"}) {
      assertThat(registry.get("consolidb.db.errors").tag("sqlstate_class", cls).counter().count()).as(cls).isEqualTo(1);
    }
  }

  @Test
  void sqlStateClass_withoutSqlState_namesTheKindOfFailure() {
    assertThat(QueryObserver.sqlStateClass(FailureCodes.UNAVAILABLE, "database unreachable")).isEqualTo("connection");
    assertThat(QueryObserver.sqlStateClass(FailureCodes.UNAVAILABLE, "database refused the connection (SQLSTATE 28P01)"))
        .isEqualTo("28");
    assertThat(QueryObserver.sqlStateClass(FailureCodes.INVALID_INPUT, "parameter :x does not match")).isEqualTo("other");
  }

  @Test
  void record_slowQuery_countedAndLogged() {
    ok("fast", 99);
    ok("slow", 150);
    assertThat(registry.get("consolidb.db.slow.queries").tag("operation", "slow").counter().count()).isEqualTo(1);
    assertThat(registry.get("consolidb.db.slow.queries").tag("operation", "fast").counter().count()).isZero();
    assertThat(stats.slowQueries().slowest(10, java.time.Instant.now())).singleElement()
        .satisfies(e -> assertThat(e.operation()).isEqualTo("slow"));
  }

  @Test
  void record_duration_histogramHasBucketsFrom100MicrosTo10Seconds() {
    ok("h", 3);
    var histogram = registry.get("consolidb.db.query.duration").tag("operation", "h").timer().takeSnapshot()
        .histogramCounts();
    assertThat(histogram).hasSize(16);
    assertThat(histogram[0].bucket(TimeUnit.MICROSECONDS)).isEqualTo(100);
    assertThat(histogram[15].bucket(TimeUnit.SECONDS)).isEqualTo(10);
  }

  @Test
  void p95_isTheNearestRankOfRecentDurations() {
    for (int i = 1; i <= 100; i++) {
      ok("p", i);
    }
    assertThat(stats.p95Millis()).isEqualTo(95.0);
  }
}
