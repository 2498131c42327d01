package io.consolidb.cache;

import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.UUID;

/** Node configurations with caching on, and deployment of the verticles that cache. */
final class CacheTestKit {

  private CacheTestKit() {
  }

  /** A key prefix no other test (or colleague's run) uses on the shared Redis. */
  static String uniquePrefix() {
    return "consolidb-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  /** The TestNode's config with caching on, over {@code redisUrl} (null: Redis off). */
  static JsonObject config(TestNode node, int httpPort, String redisUrl, String prefix) {
    JsonObject config = node.config(httpPort, "test-token");
    config.getJsonObject("http").put("adminToken", "admin-token");
    config.put("redis", new JsonObject()
        .put("enabled", redisUrl != null)
        .put("url", redisUrl == null ? TestServices.redisUrl() : redisUrl)
        .put("timeoutSeconds", 0.25));
    config.put("cache", new JsonObject()
        .put("enabled", true)
        .put("ttlSeconds", 60)
        .put("keyPrefix", prefix)
        .put("compressThresholdBytes", 1024)
        .put("maxStaleSeconds", 0) // entries go at their TTL; StaleOnOutageTest sets its own
        .put("breaker", new JsonObject().put("failures", 3).put("openSeconds", 0.5)));
    return config;
  }

  /** Cache, query verticle and restaurant service, wired as a node wires them. */
  static ConsolidbNode deploy(Vertx vertx, JsonObject config) {
    return TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY, Component.RESTAURANTS);
  }

  /** {@link #deploy(Vertx, JsonObject)} and the HTTP API, as one node. */
  static ConsolidbNode deployWithHttp(Vertx vertx, JsonObject config) {
    return TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY, Component.RESTAURANTS, Component.HTTP);
  }

  static Redis redis(Vertx vertx, String url) {
    return Redis.createClient(vertx, new RedisOptions().setConnectionString(url));
  }
}
