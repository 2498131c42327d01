package io.consolidb.cache;

import io.vertx.core.json.JsonArray;

/** A loader whose result is the rows themselves (warming's, and tests'): only {@link #load} is left to write. */
abstract class RowsLoader implements NodeCache.Loader<JsonArray> {

  @Override
  public JsonArray rows(JsonArray loaded) {
    return loaded;
  }

  @Override
  public JsonArray hit(JsonArray rows, long nanos) {
    return rows;
  }
}
