package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.time.Duration;
import java.util.Map;

/**
 * {@code db-down}: PostgreSQL stopped. Uncached reads fail fast (the breaker: 503 with
 * {@code Retry-After} in under 50 ms), cached entries past their TTL are served stale
 * ({@code X-Cache: STALE}, {@code Age}) up to the max-stale bound and never beyond, writes fail
 * with 503, and the node serves again by itself within 5 s of PostgreSQL's start.
 */
final class DbDownCase implements ChaosCase {

  private static final int TTL_S = 3;
  private static final int MAX_STALE_S = 10;
  private static final int CACHED = 20;

  @Override
  public String name() {
    return "db-down";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    Map<String, String> settings = Map.of("DB_CACHE_TTL", Integer.toString(TTL_S),
        "DB_CACHE_MAX_STALE", Integer.toString(MAX_STALE_S));
    try (NodeProcess node = env.startNode(name(), settings)) {
      Http http = new Http(node.url(""));
      env.redisCli("FLUSHDB");
      long filled = System.currentTimeMillis();
      for (int id = 1; id <= CACHED; id++) {
        http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(5));
      }
      Thread.sleep(TTL_S * 1000L + 500);
      env.pgStop("immediate");
      long started;
      try {
        Latencies failFast = new Latencies();
        int uncachedOther = 0;
        int noRetryAfter = 0;
        for (int id = 500; id < 600; id++) {
          Http.Answer answer = http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(10));
          if (answer.status() != 503) {
            uncachedOther++;
          } else if (answer.header("Retry-After") == null) {
            noRetryAfter++;
          }
          if (id >= 510) { // the first few open the breaker
            failFast.add(answer.millis());
          }
        }
        int stale = 0;
        int withAge = 0;
        for (int id = 1; id <= CACHED; id++) {
          Http.Answer answer = http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(10));
          stale += answer.ok() && "STALE".equals(answer.header("X-Cache")) ? 1 : 0;
          withAge += answer.header("Age") != null && Integer.parseInt(answer.header("Age")) >= TTL_S ? 1 : 0;
        }
        Http.Answer write = http.write("PATCH", "/api/v1/restaurants/1", "{\"rating\":3.5}", Map.of(),
            Duration.ofSeconds(10));
        long beyond = filled + (TTL_S + MAX_STALE_S + 1) * 1000L - System.currentTimeMillis();
        Thread.sleep(Math.max(0, beyond));
        int servedBeyond = 0;
        for (int id = 1; id <= CACHED; id++) {
          servedBeyond += http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(10)).ok() ? 1 : 0;
        }
        result.figure("uncached_503_p99_ms", failFast.percentile(99)).figure("uncached_not_503", uncachedOther)
            .figure("stale_served", stale + "/" + CACHED).figure("write_status", write.status())
            .figure("served_beyond_max_stale", servedBeyond)
            .check(uncachedOther == 0 && noRetryAfter == 0, "uncached reads did not all answer 503 with Retry-After")
            .check(failFast.percentile(99) < 50, "uncached reads did not fail fast (p99 >= 50 ms)")
            .check(stale == CACHED && withAge == CACHED, "cached entries were not all served STALE with their Age")
            .check(write.status() == 503 && write.clearFailure(), "the write did not fail with a 503 problem")
            .check(servedBeyond == 0, "entries were served beyond the max-stale bound");
      } finally {
        started = PgCrashCase.startAndAwaitConnections(env);
      }
      long back = -1;
      while (back < 0 && System.currentTimeMillis() - started < 20_000) {
        if (http.get("/api/v1/restaurants/" + (700 + System.nanoTime() % 100), Duration.ofSeconds(5)).ok()) {
          back = System.currentTimeMillis() - started;
        } else {
          Thread.sleep(100);
        }
      }
      result.figure("recovered_ms", back).check(back >= 0 && back <= 5000, "not serving within 5 s of PostgreSQL's start");
    }
    return result;
  }
}
