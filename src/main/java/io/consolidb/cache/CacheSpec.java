package io.consolidb.cache;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code cache} part of a {@code consolidb.db.query} request: {@code {ttlSeconds?, key?,
 * tags?[], clusterWide?}}. Without a key the entry is keyed by a hash of the SQL and its bound
 * parameters ({@code q:<32 hex>}); without a TTL the node's default ({@code DB_CACHE_TTL})
 * applies. {@code clusterWide} asks for single flight across the nodes, not only on this one
 * (for expensive reads: {@link ClusterFlight}).
 */
public record CacheSpec(Integer ttlSeconds, String key, List<String> tags, boolean clusterWide) {

  /** Keys are at most this long: a key is a name, not a payload. */
  public static final int MAX_KEY_LENGTH = 512;

  /** A spec whose misses are coalesced on this node only. */
  public CacheSpec(Integer ttlSeconds, String key, List<String> tags) {
    this(ttlSeconds, key, tags, false);
  }

  public CacheSpec {
    tags = tags == null ? List.of() : List.copyOf(tags);
    if (ttlSeconds != null && ttlSeconds < 1) {
      throw new IllegalArgumentException("cache.ttlSeconds must be at least 1");
    }
    if (key != null && (key.isBlank() || key.length() > MAX_KEY_LENGTH || key.startsWith("#"))) {
      throw new IllegalArgumentException("cache.key must be 1 to " + MAX_KEY_LENGTH
          + " characters and not start with # (reserved for tag sets)");
    }
  }

  public static CacheSpec fromJson(JsonObject json) {
    Object ttl = json.getValue("ttlSeconds");
    if (ttl != null && (!(ttl instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("cache.ttlSeconds must be a whole number of seconds");
    }
    Object key = json.getValue("key");
    if (key != null && !(key instanceof String)) {
      throw new IllegalArgumentException("cache.key must be a string");
    }
    Object clusterWide = json.getValue("clusterWide");
    if (clusterWide != null && !(clusterWide instanceof Boolean)) {
      throw new IllegalArgumentException("cache.clusterWide must be true or false");
    }
    return new CacheSpec(ttl == null ? null : ((Number) ttl).intValue(), (String) key,
        Invalidation.strings(json, "tags"), Boolean.TRUE.equals(clusterWide));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (ttlSeconds != null) {
      json.put("ttlSeconds", ttlSeconds);
    }
    if (key != null) {
      json.put("key", key);
    }
    json.put("tags", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(tags)));
    if (clusterWide) {
      json.put("clusterWide", true);
    }
    return json;
  }

  /** The explicit key, or {@code q:} and a stable hash of the SQL and its parameters. */
  public String keyFor(String sql, Object params) {
    if (key != null) {
      return key;
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(String.valueOf(sql).getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      Buffer encoded = params == null ? Buffer.buffer("null") : Json.encodeToBuffer(params);
      sha.update(encoded.getBytes());
      return "q:" + HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
