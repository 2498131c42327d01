package io.consolidb.chaos;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Read-your-writes over HTTP, in a loop: each acknowledged update of one restaurant's rating is
 * read back at once; a read that shows an older rating is a stale read, which no fault may cause.
 * Also samples the node's Redis breaker state ({@code /admin/cache/stats}) and counts its changes.
 */
final class FreshnessProbe implements AutoCloseable {

  final AtomicInteger checked = new AtomicInteger();
  final AtomicInteger stale = new AtomicInteger();
  final AtomicInteger redisStateChanges = new AtomicInteger();
  private final Thread writer;
  private final Thread sampler;
  private volatile boolean running = true;

  FreshnessProbe(Http http, long restaurantId) {
    writer = new Thread(() -> {
      for (int i = 0; running; i++) {
        double rating = 1.0 + (i % 40) / 10.0;
        String path = "/api/v1/restaurants/" + restaurantId;
        Http.Answer update = http.write("PATCH", path, "{\"rating\":" + rating + "}", Map.of(), Duration.ofSeconds(10));
        if (!update.ok()) {
          continue;
        }
        Http.Answer read = http.get(path, Duration.ofSeconds(10));
        if (read.ok()) {
          checked.incrementAndGet();
          if (new JsonObject(read.body()).getDouble("rating") != rating) {
            stale.incrementAndGet();
          }
        }
      }
    }, "freshness-probe");
    sampler = new Thread(() -> {
      String last = null;
      while (running) {
        Http.Answer stats = http.send("GET", "/admin/cache/stats", null,
            Map.of("Authorization", "Bearer " + ChaosEnv.ADMIN_TOKEN), Duration.ofSeconds(5));
        if (stats.ok()) {
          String state = new JsonObject(stats.body()).getJsonObject("redis", new JsonObject()).getString("state");
          if (last != null && !last.equals(state)) {
            redisStateChanges.incrementAndGet();
          }
          last = state;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "redis-state-sampler");
    writer.setDaemon(true);
    sampler.setDaemon(true);
    writer.start();
    sampler.start();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    writer.join(15_000);
    sampler.join(15_000);
  }
}
