package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code redis-flap}: Redis stopped and started ten times in 30 s under reads and read-your-writes
 * checks. No read may be stale, no read may fail (the local tier and the database carry them),
 * the node's connections to Redis stay bounded, and its file descriptors do not leak.
 */
final class RedisFlapCase implements ChaosCase {

  private static final int MAX_CONNECTIONS = 8;

  @Override
  public String name() {
    return "redis-flap";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    try (NodeProcess node = env.startNode(name(), Map.of("REDIS_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS)))) {
      Http http = new Http(node.url(""));
      long fdsBefore = openFiles(node.pid());
      FreshnessProbe probe = new FreshnessProbe(http, 11);
      Readers readers = new Readers(http, 2, 300, id -> "/api/v1/restaurants/" + id);
      int maxClients = 0;
      try {
        for (int cycle = 0; cycle < 10; cycle++) {
          env.services("redis-stop");
          Thread.sleep(1500);
          env.services("redis-start");
          for (int sample = 0; sample < 6; sample++) {
            Thread.sleep(250);
            maxClients = Math.max(maxClients, connectedClients(env));
          }
        }
      } finally {
        env.services("redis-start");
      }
      Thread.sleep(3000);
      maxClients = Math.max(maxClients, connectedClients(env));
      readers.close();
      probe.close();
      long fdsAfter = openFiles(node.pid());
      result.figure("fresh_checks", probe.checked.get()).figure("stale_reads", probe.stale.get())
          .figure("reads", readers.ok.get() + readers.failed.get()).figure("reads_failed", readers.failed.get())
          .figure("read_p99_ms", readers.latencies.percentile(99))
          .figure("max_redis_clients", maxClients).figure("fds_before", fdsBefore).figure("fds_after", fdsAfter)
          .check(probe.checked.get() > 0, "no update was read back")
          .check(probe.stale.get() == 0, "stale reads")
          .check(readers.failed.get() == 0, "reads failed")
          .check(maxClients <= MAX_CONNECTIONS + 3, "Redis connections not bounded (the pool's size + LISTEN-like extras)")
          .check(fdsAfter - fdsBefore < 50, "file descriptors grew by " + (fdsAfter - fdsBefore));
    }
    return result;
  }

  /** Clients connected to Redis, the redis-cli asking included (minus one). */
  private static int connectedClients(ChaosEnv env) {
    try {
      for (String line : env.redisCli("INFO", "clients").split("\\R")) {
        if (line.startsWith("connected_clients:")) {
          return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()) - 1;
        }
      }
    } catch (Exception e) {
      // Redis stopped at that moment
    }
    return 0;
  }

  private static long openFiles(long pid) throws Exception {
    try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }
}
