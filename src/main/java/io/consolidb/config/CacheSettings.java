package io.consolidb.config;

/** Query-result caching: default TTL and the node-local tier's size in entries. */
public record CacheSettings(boolean enabled, int ttlSeconds, int maxEntries) {

  static CacheSettings fromJson(ConfigSection cache) {
    return new CacheSettings(cache.bool("enabled", true), cache.integer("ttlSeconds", 60, 1),
        cache.integer("maxEntries", 10_000, 1));
  }
}
