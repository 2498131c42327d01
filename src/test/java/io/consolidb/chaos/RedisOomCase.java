package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.time.Duration;
import java.util.Map;

/**
 * {@code redis-oom}: Redis at {@code maxmemory} with {@code noeviction}, so every write to it fails
 * with OOM while reads and deletes still work. No read may be stale (an update's invalidation must
 * still reach Redis or the entry must not be served), the breaker must settle rather than flap
 * with every request, and once memory is available again the Redis tier fills and serves again.
 */
final class RedisOomCase implements ChaosCase {

  @Override
  public String name() {
    return "redis-oom";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    try (NodeProcess node = env.startNode(name(), Map.of("DB_CACHE_TTL", "60"))) {
      Http http = new Http(node.url(""));
      env.redisCli("FLUSHDB");
      for (int id = 1; id <= 50; id++) {
        http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(5));
      }
      env.redisCli("CONFIG", "SET", "maxmemory-policy", "noeviction");
      env.redisCli("CONFIG", "SET", "maxmemory", "1");
      FreshnessProbe probe = new FreshnessProbe(http, 9);
      Readers readers;
      try {
        readers = new Readers(http, 2, 400, id -> "/api/v1/restaurants/" + id);
        Thread.sleep(10_000);
        readers.close();
        probe.close();
      } finally {
        env.redisCli("CONFIG", "SET", "maxmemory", "0");
      }
      Thread.sleep(3000);
      env.redisCli("FLUSHDB");
      int hits = 0;
      for (int pass = 0; pass < 2; pass++) {
        for (int id = 1000; id < 1100; id++) {
          Http.Answer answer = http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(5));
          hits += pass == 1 && "HIT".equals(answer.header("X-Cache")) ? 1 : 0;
        }
      }
      long redisKeys = Long.parseLong(env.redisCli("DBSIZE").trim());
      result.figure("fresh_checks", probe.checked.get()).figure("stale_reads", probe.stale.get())
          .figure("reads_failed", readers.failed.get()).figure("breaker_changes_10s", probe.redisStateChanges.get())
          .figure("hit_rate_after_pct", hits).figure("redis_keys_after", redisKeys)
          .check(probe.checked.get() > 0, "no update was read back")
          .check(probe.stale.get() == 0, "stale reads")
          .check(readers.failed.get() == 0, "reads failed while Redis was full")
          .check(probe.redisStateChanges.get() <= 10, "the breaker kept flapping (more than 10 changes in 10 s)")
          .check(hits >= 95, "the hit rate did not recover (second pass under 95 % hits)")
          .check(redisKeys >= 100, "the Redis tier did not fill again");
    }
    return result;
  }
}
