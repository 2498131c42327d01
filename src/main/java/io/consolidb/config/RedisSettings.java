package io.consolidb.config;

import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisOptions;

/** The shared cache tier. Every Redis call is bounded by {@code timeoutSeconds}. */
public record RedisSettings(boolean enabled, String url, double timeoutSeconds, int maxConnections) {

  static RedisSettings fromJson(ConfigSection redis) {
    String url = redis.string("url", "redis://127.0.0.1:6379");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw redis.invalid("url", SecretMasker.maskUri(url), "must start with redis:// or rediss://");
    }
    return new RedisSettings(redis.bool("enabled", true), url, redis.positive("timeoutSeconds", 0.25),
        redis.integer("maxConnections", 8, 1));
  }

  public long timeoutMs() {
    return Math.max(1, Math.round(timeoutSeconds * 1000));
  }

  public RedisOptions redisOptions() {
    return new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(maxConnections)
        .setMaxPoolWaiting(maxConnections * 32)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) timeoutMs()).setTcpNoDelay(true));
  }

  public String maskedUrl() {
    return SecretMasker.maskUri(url);
  }

  @Override
  public String toString() {
    return "RedisSettings[enabled=" + enabled + ", url=" + maskedUrl() + ", timeoutSeconds=" + timeoutSeconds
        + ", maxConnections=" + maxConnections + "]";
  }
}
