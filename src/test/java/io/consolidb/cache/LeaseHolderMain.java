package io.consolidb.cache;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.List;

/**
 * A node that misses {@code key} with cluster-wide single flight and never finishes loading it:
 * it takes the lease and keeps renewing it until the test kills this JVM. Args: Redis URL, key
 * prefix, key, lease milliseconds. Reports {@code loading} once its load has started.
 */
public final class LeaseHolderMain {

  private LeaseHolderMain() {
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, args[1], 3, 1, 1 << 20, 0,
        Integer.parseInt(args[3]), 20);
    NodeCache cache = new NodeCache(vertx, settings, new RedisSettings(true, args[0], "", true, 1, 2),
        new SimpleMeterRegistry());
    vertx.runOnContext(v -> cache.readThrough(args[2], new CacheSpec(60, args[2], List.of(), true),
        new RowsLoader() {
          @Override
          public Future<JsonArray> load() {
            System.out.println(">> loading");
            return Promise.<JsonArray>promise().future(); // a query that outlives its node
          }
        }));
  }
}
