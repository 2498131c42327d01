package io.consolidb.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cases of {@code scripts/chaos.sh}: runs the named ones (all when none is named) one after
 * the other, each against a node of its own from the jar, prints {@code <case>: PASS|FAIL
 * <figures>} per case, writes {@code report.json} and {@code report.md}, and exits 1 when a case
 * failed. After each case the chaos services are brought up again, whatever the case did.
 */
public final class ChaosRunner {

  private static final Map<String, ChaosCase> CASES = new LinkedHashMap<>();

  static {
    for (ChaosCase c : List.of(new PgCrashCase(), new BackendsKilledCase(), new HalfOpenCase(), new ConnLimitCase(),
        new LockCase(), new DbDownCase(), new OverloadCase(), new RedisOomCase(), new RedisFlapCase())) {
      CASES.put(c.name(), c);
    }
  }

  private ChaosRunner() {
  }

  public static void main(String[] args) throws Exception {
    List<String> names = args.length == 0 ? new ArrayList<>(CASES.keySet()) : List.of(args);
    for (String name : names) {
      if (!CASES.containsKey(name)) {
        System.err.println("unknown case: " + name + " (known: " + String.join(", ", CASES.keySet()) + ")");
        System.exit(2);
      }
    }
    ChaosEnv env = ChaosEnv.fromEnvironment();
    Files.createDirectories(env.out());
    List<CaseResult> results = new ArrayList<>();
    for (String name : names) {
      CaseResult result;
      try {
        result = CASES.get(name).run(env);
      } catch (Exception | AssertionError e) {
        result = new CaseResult(name).check(false, "the case could not run: " + e);
        e.printStackTrace();
      } finally {
        restore(env);
      }
      System.out.println(result.line());
      results.add(result);
      write(env, results);
    }
    System.exit(results.stream().allMatch(CaseResult::passed) ? 0 : 1);
  }

  /** Whatever a case did: PostgreSQL and Redis running, Redis without a memory limit, no drop rules. */
  private static void restore(ChaosEnv env) {
    try {
      env.services("up");
      env.redisCli("CONFIG", "SET", "maxmemory", "0");
      ChaosEnv.run(10, "sh", "-c", "nft delete table inet consolidb_chaos 2>/dev/null || true");
    } catch (Exception e) {
      System.err.println("could not restore the chaos services: " + e.getMessage());
    }
  }

  private static void write(ChaosEnv env, List<CaseResult> results) throws Exception {
    JsonArray cases = new JsonArray();
    StringBuilder md = new StringBuilder("| case | result | figures | failed checks |\n|---|---|---|---|\n");
    for (CaseResult r : results) {
      JsonObject json = r.toJson();
      cases.add(json);
      StringBuilder figures = new StringBuilder();
      json.getJsonObject("figures").forEach(e -> figures.append(figures.isEmpty() ? "" : ", ")
          .append(e.getKey()).append('=').append(e.getValue()));
      md.append("| ").append(r.name()).append(" | ").append(json.getString("result")).append(" | ")
          .append(figures).append(" | ").append(String.join("; ", json.getJsonArray("failed_checks").stream()
              .map(Object::toString).toList())).append(" |\n");
    }
    Files.writeString(env.out().resolve("report.json"),
        new JsonObject().put("at", Instant.now().toString()).put("cases", cases).encodePrettily());
    Files.writeString(env.out().resolve("report.md"), md.toString());
  }
}
