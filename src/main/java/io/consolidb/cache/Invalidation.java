package io.consolidb.cache;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What to drop from the cache: explicit keys, a Redis glob pattern over keys
 * ({@code restaurants:*}), and/or table tags ({@code restaurants}). At least one is given.
 * JSON: {@code {keys?: [..], pattern?: "..", tags?: [..]}}; on the cluster address the
 * publishing node adds {@code origin}.
 */
public record Invalidation(List<String> keys, String pattern, List<String> tags) {

  /**
   * Patterns are at most this many characters. Matching costs up to key length × pattern
   * length per key on every node and in Redis; a key longer than this is dropped by key.
   */
  public static final int MAX_PATTERN_LENGTH = 256;

  public Invalidation {
    keys = keys == null ? List.of() : List.copyOf(keys);
    tags = tags == null ? List.of() : List.copyOf(tags);
    if (keys.isEmpty() && tags.isEmpty() && (pattern == null || pattern.isBlank())) {
      throw new IllegalArgumentException("give keys, a pattern or tags to invalidate");
    }
    if (pattern != null && pattern.isBlank()) {
      throw new IllegalArgumentException("pattern must not be blank");
    }
    if (pattern != null && pattern.length() > MAX_PATTERN_LENGTH) {
      throw new IllegalArgumentException("pattern must be at most " + MAX_PATTERN_LENGTH + " characters, not "
          + pattern.length());
    }
  }

  public static Invalidation ofTags(List<String> tags) {
    return new Invalidation(null, null, tags);
  }

  /** Reads and validates the JSON form; {@link IllegalArgumentException} says what is wrong. */
  public static Invalidation fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("the invalidation must be a JSON object");
    }
    Object pattern = json.getValue("pattern");
    if (pattern != null && !(pattern instanceof String)) {
      throw new IllegalArgumentException("pattern must be a string");
    }
    return new Invalidation(strings(json, "keys"), (String) pattern, strings(json, "tags"));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (!keys.isEmpty()) {
      json.put("keys", new JsonArray(new ArrayList<>(keys)));
    }
    if (pattern != null) {
      json.put("pattern", pattern);
    }
    if (!tags.isEmpty()) {
      json.put("tags", new JsonArray(new ArrayList<>(tags)));
    }
    return json;
  }

  static List<String> strings(JsonObject json, String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new IllegalArgumentException(name + " must be an array of strings");
    }
    List<String> list = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException(name + " must be an array of non-blank strings");
      }
      list.add(s);
    }
    return list;
  }
}
