package io.consolidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself is not part of the test run; this proves it produces a well-formed report. */
class BenchReportTest {

  @Test
  @DisplayName("a smoke run of the harness writes report.json with every required ratio and report.md")
  void smokeRun_wellFormedReport(@TempDir Path out) throws Exception {
    String database = TestServices.benchDatabaseUrl().orElseThrow(() -> new IllegalStateException(
        "BENCH_DATABASE_URL not found: run scripts/services.sh up"));
    BenchHarness.run(BenchHarness.Mode.of("smoke"), out, Path.of("target/none.jar"),
        Map.of("BENCH_DATABASE_URL", database, "REDIS_URL", TestServices.redisUrl()));

    JsonObject report = BenchHarness.readReport(out);
    assertThat(Report.problems(report)).isEmpty();
    assertThat(report.getString("jvm_flags")).contains("-Xmx256m");
    JsonObject ratios = report.getJsonObject("ratios");
    JsonObject notMeasured = report.getJsonObject("not_measured");
    assertThat(ratios.fieldNames()).containsAll(Report.GOALS.keySet());
    for (String name : Report.GOALS.keySet()) {
      Object value = ratios.getValue(name);
      if (value == null) {
        assertThat(notMeasured.getString(name)).as("reason for " + name).isNotBlank();
      } else {
        assertThat(((Number) value).doubleValue()).as(name).isPositive();
      }
    }
    // Measured even in smoke mode (in-JVM nodes): the in-process scenarios must really run.
    for (String name : new String[] {"proxy_vs_direct", "proxy_vs_pipelined", "cache_speedup_local",
        "cache_speedup_redis", "cache_speedup_report", "radius_filtered_vs_unfiltered", "metrics_on_vs_off",
        "tracing_on_vs_off"}) {
      assertThat(ratios.getDouble(name)).as(name).isPositive();
    }
    JsonObject details = report.getJsonObject("details");
    // Each cache side is one median per round (rounds alternate); a hit must beat PostgreSQL.
    assertThat(details.getJsonObject("cache_speedup_local").getJsonObject("uncached").getJsonArray("rounds"))
        .hasSize(1);
    assertThat(ratios.getDouble("cache_speedup_local")).as("local tier vs PostgreSQL").isGreaterThan(1.0);
    assertThat(ratios.getDouble("cache_speedup_report")).as("cached report vs PostgreSQL").isGreaterThan(1.0);
    assertThat(details.getJsonObject("cache_top_report").getString("query")).startsWith("topRestaurants(");
    assertThat(details.getJsonObject("metrics_on_vs_off").getJsonObject("metrics_on").getDouble("median"))
        .isPositive();
    // Where each tracing side's CPU went (CpuAccount): PostgreSQL and this JVM's event loops did the lookups.
    JsonObject tracingCpu = details.getJsonObject("tracing_cpu_us_per_lookup");
    for (String side : new String[] {"tracing_on", "tracing_off"}) {
      assertThat(tracingCpu.getJsonObject(side).getDouble("postgres")).as(side).isPositive();
      assertThat(tracingCpu.getJsonObject(side).getJsonObject("jvm_threads").getDouble("vert.x-eventloo"))
          .as(side).isPositive();
    }
    // Need the node process (not in smoke mode): a reason, not a number.
    assertThat(notMeasured.getString("http_cached_vs_live")).contains("smoke");
    assertThat(notMeasured.getString("ingest_http_vs_direct")).contains("smoke");
    for (String name : new String[] {"warm_restart_p99", "cluster_remote_vs_local", "start_to_ready_cds_speedup"}) {
      assertThat(notMeasured.getString(name)).as(name).contains("smoke");
    }
    assertThat(Files.readString(out.resolve("report.md"))).contains("| proxy_vs_direct |", "JVM flags");
  }

  @Test
  @DisplayName("the report of a real --quick run (2026-12-06, kept as a fixture) passes the check every run applies")
  void quickRunReport_wellFormed() throws Exception {
    JsonObject quick = quickReport();
    assertThat(quick.getString("mode")).isEqualTo("quick");
    assertThat(Report.problems(quick)).isEmpty();
    assertThat(quick.getJsonObject("ratios").fieldNames()).containsAll(Report.GOALS.keySet());
  }

  @Test
  @DisplayName("the check refuses a quick report with a ratio, a latency or the RSS missing")
  void problems_malformedQuickReport() throws Exception {
    JsonObject noRatio = quickReport();
    noRatio.getJsonObject("ratios").putNull("proxy_vs_pgbench");
    noRatio.getJsonObject("not_measured").put("proxy_vs_pgbench", "pgbench not installed");
    assertThat(Report.problems(noRatio)).singleElement().asString().contains("proxy_vs_pgbench");

    JsonObject noLatency = quickReport();
    noLatency.getJsonObject("latency_ms").remove("uncached_read");
    assertThat(Report.problems(noLatency)).singleElement().asString().contains("uncached_read");

    JsonObject noRss = quickReport();
    noRss.remove("rss_mib");
    assertThat(Report.problems(noRss)).containsExactly("rss_mib missing");
  }

  @Test
  @DisplayName("a partial run (BENCH_ONLY) is checked for its JVM flags alone, not for the ratios it did not run")
  void problems_partialRun() throws Exception {
    JsonObject partial = quickReport().put("only", "overload");
    partial.getJsonObject("ratios").clear();
    partial.remove("rss_mib");
    assertThat(Report.problems(partial)).isEmpty();
    partial.put("jvm_flags", "-Xms128m");
    assertThat(Report.problems(partial)).containsExactly("jvm_flags missing or without -Xmx");
  }

  private static JsonObject quickReport() throws Exception {
    try (var in = BenchReportTest.class.getResourceAsStream("/bench/report-quick-2026-12-06.json")) {
      return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
