package io.consolidb.cache;

import io.vertx.core.json.JsonObject;

/**
 * How to run a cached read again, for warming: the query request that produced the value
 * ({@code {operation, sql, params, readOnly, lookup?}}, the event-bus contract of
 * {@code consolidb.db.query} without its {@code cache} part) and the cache spec it was stored
 * under. Never the rows. It holds what the key holds (the SQL and its bound parameters; reads by
 * personal data are not cached, docs/CACHE.md "User reads"), and only reads whose loader offers it
 * ({@link NodeCache.Loader#replay}) have one: the services' reads through their in-process client.
 */
record Replay(JsonObject request, CacheSpec spec) {

  /** A longer description (a statement with a long IN list…) is not kept: the key is not warmed. */
  static final int MAX_JSON_CHARS = 8192;

  /** The replay of {@code key}'s read, or null when it has none or it is too large. */
  static Replay of(String key, JsonObject request, CacheSpec spec) {
    if (request == null || !(request.getValue("sql") instanceof String)) {
      return null;
    }
    Replay replay = new Replay(request.copy(), spec);
    return replay.toJson().encode().length() > MAX_JSON_CHARS || !replay.keyIs(key) ? null : replay;
  }

  /** {@code {request, cache}}, as the hot list keeps it in Redis. */
  JsonObject toJson() {
    return new JsonObject().put("request", request).put("cache", spec.toJson());
  }

  /**
   * The replay stored as {@link #toJson} for {@code key}, or null when it is not one (corrupt,
   * another version's format) or would not produce that key: such an entry is skipped, never run.
   */
  static Replay fromJson(String key, String json) {
    try {
      JsonObject parsed = new JsonObject(json);
      JsonObject request = parsed.getJsonObject("request");
      JsonObject cache = parsed.getJsonObject("cache");
      if (request == null || cache == null || !(request.getValue("sql") instanceof String)
          || !Boolean.TRUE.equals(request.getValue("readOnly"))) {
        return null;
      }
      Replay replay = new Replay(request, CacheSpec.fromJson(cache));
      return replay.keyIs(key) ? replay : null;
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** True when the read is stored under {@code key}. */
  boolean keyIs(String key) {
    return key.equals(spec.keyFor(request.getString("sql"), request.getValue("params")));
  }
}
