package io.consolidb.query;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The reply of {@code consolidb.db.query}: {@code {rows, rowCount, cached, durationMs, stale?,
 * ageSeconds?}}. Rows are JSON objects keyed by column name; timestamps are ISO-8601 strings, jsonb
 * columns JSON values. {@code stale}: answered from the cache by a value past its TTL because the
 * database could not be reached, loaded {@code ageSeconds} ago (docs/CACHE.md).
 */
public record QueryResult(JsonArray rows, int rowCount, boolean cached, long durationMs, boolean stale,
    long ageSeconds) {

  public QueryResult(JsonArray rows, int rowCount, boolean cached, long durationMs) {
    this(rows, rowCount, cached, durationMs, false, 0);
  }

  public static QueryResult fromJson(JsonObject json) {
    return new QueryResult(json.getJsonArray("rows", new JsonArray()), json.getInteger("rowCount", 0),
        json.getBoolean("cached", false), json.getLong("durationMs", 0L), json.getBoolean("stale", false),
        json.getLong("ageSeconds", 0L));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("rows", rows).put("rowCount", rowCount).put("cached", cached)
        .put("durationMs", durationMs);
    return stale ? json.put("stale", true).put("ageSeconds", ageSeconds) : json;
  }

  /** The first row, or null when the statement returned none. */
  public JsonObject firstRow() {
    return rows.isEmpty() ? null : rows.getJsonObject(0);
  }
}
