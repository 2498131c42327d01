package io.consolidb.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** report.json and report.md: every required ratio, measured or with the reason it is not. */
final class Report {

  /** Ratio name → goal, and whether the goal is a floor (≥) as all of them are. */
  static final Map<String, Double> GOALS = new LinkedHashMap<>();

  static {
    GOALS.put("cache_speedup_local", 30.0);
    GOALS.put("cache_speedup_report", 200.0);
    GOALS.put("cache_speedup_redis", 10.0);
    GOALS.put("proxy_vs_direct", 0.8);
    GOALS.put("proxy_vs_pgbench", 0.8);
    GOALS.put("http_cached_vs_live", 0.6);
    GOALS.put("http_not_modified_vs_live", 0.95);
    GOALS.put("ingest_http_vs_direct", 0.7);
    GOALS.put("metrics_on_vs_off", 0.95);
    GOALS.put("tracing_on_vs_off", 0.95);
    GOALS.put("proxy_vs_pipelined", 0.9);
    GOALS.put("radius_filtered_vs_unfiltered", 1 / 1.3);
    GOALS.put("warm_restart_p99", 5.0);
    GOALS.put("cluster_remote_vs_local", 0.5);
    GOALS.put("pg_tls_vs_plain", 0.85);
    GOALS.put("start_to_ready_cds_speedup", 1.5);
  }

  /**
   * Goals of ratios where lower is better (the {@code --scale} run's: how much slower a read gets
   * on ten times the data), shown with "≤" and required only of a scale run.
   */
  static final Map<String, Double> UPPER_BOUNDS = Map.of("scale_radius_1m_vs_100k", 1.3, "scale_report_10m_vs_1m", 2.0);

  private final JsonObject json = new JsonObject();
  private final JsonObject ratios = new JsonObject();
  private final JsonObject missing = new JsonObject();
  private final JsonObject details = new JsonObject();
  private final JsonObject latency = new JsonObject();

  Report(String mode, String jvmFlags) {
    json.put("mode", mode).put("jvm_flags", jvmFlags)
        .put("machine", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
            .put("java", System.getProperty("java.version")));
  }

  void ratio(String name, Comparison comparison) {
    ratios.put(name, Samples.round(comparison.ratio()));
    details.put(name, comparison.toJson());
  }

  void ratio(String name, double value, JsonObject detail) {
    ratios.put(name, Samples.round(value));
    details.put(name, detail);
  }

  /** A ratio that could not be measured in this run, with the reason. */
  void notMeasured(String name, String reason) {
    ratios.putNull(name);
    missing.put(name, reason);
  }

  void latency(String name, double p50Ms, double p99Ms) {
    latency.put(name, new JsonObject().put("p50", Samples.round(p50Ms)).put("p99", Samples.round(p99Ms)));
  }

  /** The run was limited to these groups of scenarios ({@code BENCH_ONLY}): the others are absent. */
  void only(String groups) {
    json.put("only", groups);
  }

  void detail(String name, JsonObject detail) {
    details.put(name, detail);
  }

  /** The peak RSS of the node processes of this run: the largest reported. */
  void rss(double mib) {
    double before = json.getValue("rss_mib") instanceof Number n ? n.doubleValue() : 0;
    json.put("rss_mib", Samples.round(Math.max(before, mib)));
  }

  JsonObject toJson() {
    return json.copy().put("ratios", ratios).put("not_measured", missing).put("latency_ms", latency)
        .put("goals", new JsonObject(new LinkedHashMap<>(GOALS))).put("details", details);
  }

  /**
   * What makes {@code report} (report.json) malformed, empty when nothing: the JVM flags; every
   * ratio of {@link #GOALS} a positive number, or null with the reason under {@code not_measured};
   * and for a run with the node process (quick, full) every ratio measured, the latency of cached
   * and uncached reads (0 < p50 ≤ p99) and the peak RSS. The harness checks its own report with
   * this (a quick or full run fails on a malformed one), and so does {@code BenchReportTest}. A
   * partial run ({@code only}: {@code BENCH_ONLY}) is checked for its JVM flags alone.
   */
  static List<String> problems(JsonObject report) {
    List<String> problems = new ArrayList<>();
    if (!(report.getValue("jvm_flags") instanceof String flags) || !flags.contains("-Xmx")) {
      problems.add("jvm_flags missing or without -Xmx");
    }
    if (report.getValue("only") instanceof String) {
      return problems; // a partial run (BENCH_ONLY): the ratios and latencies of the others are absent
    }
    boolean nodeRun = !"smoke".equals(report.getString("mode"));
    boolean scaleRun = "scale".equals(report.getString("mode"));
    JsonObject ratios = report.getValue("ratios") instanceof JsonObject r ? r : new JsonObject();
    JsonObject reasons = report.getValue("not_measured") instanceof JsonObject n ? n : new JsonObject();
    for (String name : scaleRun ? UPPER_BOUNDS.keySet() : GOALS.keySet()) {
      Object value = ratios.getValue(name);
      if (value instanceof Number number) {
        if (!(number.doubleValue() > 0)) {
          problems.add("ratios." + name + " is not positive: " + number);
        }
      } else if (!ratios.containsKey(name)) {
        problems.add("ratios." + name + " missing");
      } else if (nodeRun) {
        problems.add("ratios." + name + " not measured: " + reasons.getString(name));
      } else if (reasons.getString(name, "").isBlank()) {
        problems.add("ratios." + name + " is null without a reason under not_measured");
      }
    }
    if (nodeRun && !scaleRun) {
      JsonObject latency = report.getValue("latency_ms") instanceof JsonObject l ? l : new JsonObject();
      for (String read : List.of("cached_read", "uncached_read")) {
        JsonObject p = latency.getValue(read) instanceof JsonObject o ? o : new JsonObject();
        double p50 = p.getValue("p50") instanceof Number n ? n.doubleValue() : -1;
        double p99 = p.getValue("p99") instanceof Number n ? n.doubleValue() : -1;
        if (!(p50 > 0 && p99 >= p50)) {
          problems.add("latency_ms." + read + " needs 0 < p50 <= p99: " + p.encode());
        }
      }
      if (!(report.getValue("rss_mib") instanceof Number rss && rss.doubleValue() > 0)) {
        problems.add("rss_mib missing");
      }
    }
    return problems;
  }

  void write(Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("report.json"), toJson().encodePrettily());
    Files.writeString(dir.resolve("report.md"), markdown());
  }

  String markdown() {
    StringBuilder md = new StringBuilder("# consolidb benchmark (" + json.getString("mode") + ")\n\n");
    md.append("JVM flags of the node: `").append(json.getString("jvm_flags")).append("`\n\n");
    md.append("| ratio | value | goal | met | spread (a / b) |\n|---|---|---|---|---|\n");
    Map<String, Double> shown = "scale".equals(json.getString("mode")) ? new LinkedHashMap<>() : new LinkedHashMap<>(GOALS);
    UPPER_BOUNDS.forEach((name, goal) -> {
      if (ratios.containsKey(name)) {
        shown.put(name, goal);
      }
    });
    shown.forEach((name, goal) -> {
      Object value = ratios.getValue(name);
      JsonObject detail = details.getJsonObject(name);
      String spread = "";
      if (detail != null) {
        spread = detail.fieldNames().stream().filter(k -> detail.getValue(k) instanceof JsonObject)
            .map(k -> k + " ±" + Math.round(detail.getJsonObject(k).getDouble("spread", 0.0) * 100) + "%")
            .reduce((x, y) -> x + " / " + y).orElse("");
      }
      boolean atMost = UPPER_BOUNDS.containsKey(name);
      double v = value == null ? Double.NaN : ((Number) value).doubleValue();
      String met = value == null ? "—" : (atMost ? v <= goal : v >= goal) ? "yes" : "**no**";
      md.append("| ").append(name).append(" | ")
          .append(value == null ? "not measured: " + missing.getString(name) : value)
          .append(atMost ? " | ≤ " : " | ≥ ").append(Samples.round(goal)).append(" | ").append(met).append(" | ").append(spread).append(" |\n");
    });
    md.append("\n| latency (ms) | p50 | p99 |\n|---|---|---|\n");
    latency.forEach(e -> md.append("| ").append(e.getKey()).append(" | ")
        .append(((JsonObject) e.getValue()).getValue("p50")).append(" | ")
        .append(((JsonObject) e.getValue()).getValue("p99")).append(" |\n"));
    md.append("\nPeak RSS of the node: ").append(json.getValue("rss_mib")).append(" MiB (goal ≤ 400)\n");
    if (details.getValue("overload") instanceof JsonObject overload) {
      md.append("\n## Overload\n\n```json\n").append(overload.encodePrettily()).append("\n```\n");
    }
    return md.toString();
  }
}
