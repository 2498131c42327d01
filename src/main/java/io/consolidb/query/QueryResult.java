package io.consolidb.query;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The reply of {@code consolidb.db.query}: {@code {rows, rowCount, cached, durationMs}}. Rows are
 * JSON objects keyed by column name; timestamps are ISO-8601 strings, jsonb columns JSON values.
 */
public record QueryResult(JsonArray rows, int rowCount, boolean cached, long durationMs) {

  public static QueryResult fromJson(JsonObject json) {
    return new QueryResult(json.getJsonArray("rows", new JsonArray()), json.getInteger("rowCount", 0),
        json.getBoolean("cached", false), json.getLong("durationMs", 0L));
  }

  public JsonObject toJson() {
    return new JsonObject().put("rows", rows).put("rowCount", rowCount).put("cached", cached)
        .put("durationMs", durationMs);
  }

  /** The first row, or null when the statement returned none. */
  public JsonObject firstRow() {
    return rows.isEmpty() ? null : rows.getJsonObject(0);
  }
}
