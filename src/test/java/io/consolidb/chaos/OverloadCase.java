package io.consolidb.chaos;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code overload}: the bulkheads' goal, measured by the benchmark's overload scenario
 * ({@code BENCH_ONLY=overload scripts/bench.sh --quick}, {@code bench.Overload}): 400 connections
 * of anonymous searches and 50 km radius reads against one node from the jar while lookups by id
 * are measured. It runs on the benchmark's own data set (the main services, database
 * {@code consolidb_bench}): a load case, no fault is injected into PostgreSQL or Redis.
 */
final class OverloadCase implements ChaosCase {

  @Override
  public String name() {
    return "overload";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    ChaosEnv.runWithEnv(1800, Map.of("BENCH_ONLY", "overload"), "scripts/bench.sh", "--quick");
    JsonObject report = new JsonObject(Files.readString(Path.of("target", "bench", "report.json")));
    JsonObject overload = find(report, "overload");
    if (overload == null) {
      return result.check(false, "the benchmark wrote no overload figures");
    }
    JsonObject goals = overload.getJsonObject("goals");
    JsonObject idle = overload.getJsonObject("lookups_idle").getJsonObject("200", new JsonObject());
    JsonObject loaded = overload.getJsonObject("lookups_under_overload").getJsonObject("200", new JsonObject());
    JsonObject shed = overload.getJsonObject("search_probe_under_overload").getJsonObject("429", new JsonObject());
    return result.figure("lookup_idle_p50_p99_ms", idle.getValue("p50_ms") + "/" + idle.getValue("p99_ms"))
        .figure("lookup_overload_p50_p99_ms", loaded.getValue("p50_ms") + "/" + loaded.getValue("p99_ms"))
        .figure("429_p50_p99_ms", shed.getValue("p50_ms") + "/" + shed.getValue("p99_ms"))
        .figure("share_429", overload.getJsonObject("flood").getValue("share_429"))
        .figure("peak_rss_mib", overload.getValue("peak_rss_mib"))
        .check(goals.getBoolean("lookup_p99_le_20ms"), "lookups p99 above 20 ms during the overload")
        .check(goals.getBoolean("rejections_p99_le_50ms"), "429s p99 above 50 ms")
        .check(goals.getBoolean("rss_le_400mib"), "peak RSS above 400 MiB")
        .check(goals.getBoolean("no_out_of_memory"), "the node ran out of memory");
  }

  /** The first object under {@code key}, at any depth. */
  private static JsonObject find(JsonObject json, String key) {
    if (json.getValue(key) instanceof JsonObject found) {
      return found;
    }
    for (String name : json.fieldNames()) {
      if (json.getValue(name) instanceof JsonObject child) {
        JsonObject found = find(child, key);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
