package io.consolidb.metrics;

import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks PostgreSQL how it plans a slow statement, and says in plain words when the plan reads a
 * large table from end to end.
 *
 * <p>The plan is the generic one, built without parameter values, so none appears in it: on
 * PostgreSQL 16+ that is {@code EXPLAIN (GENERIC_PLAN)}; on 15 (what consolidb runs against here)
 * the same plan comes from a transaction that sets {@code plan_cache_mode = force_generic_plan},
 * {@code PREPARE}s the statement, runs {@code EXPLAIN EXECUTE} with NULL arguments and
 * {@code DEALLOCATE}s it. One path serves both versions. Only plain {@code SELECT}s get here
 * ({@link SlowQueryLog#isPlainSelect}); {@code EXPLAIN} is never given {@code ANALYZE}, so the
 * statement is planned, not run. Everything goes through the query verticle with a timeout.
 */
final class PlanAdvisor {

  /** A sequentially scanned table with at least this many rows (by its statistics) earns a hint. */
  static final long LARGE_TABLE_ROWS = 10_000;
  /** Without statistics, a table of at least this size does. */
  static final long LARGE_TABLE_BYTES = 8L << 20;

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");
  private static final AtomicLong NAMES = new AtomicLong();

  private final QueryClient queries;
  private final long timeoutMs;

  PlanAdvisor(QueryClient queries, long timeoutMs) {
    this.queries = queries;
    this.timeoutMs = timeoutMs;
  }

  /** {@code {plan, hints:[…]}} for {@code pgSql}. */
  Future<JsonObject> explain(String pgSql) {
    String name = "consolidb_explain_" + NAMES.incrementAndGet();
    JsonArray statements = new JsonArray()
        .add(statement("SET LOCAL plan_cache_mode = force_generic_plan"))
        .add(statement("SET LOCAL statement_timeout = " + timeoutMs))
        .add(statement("PREPARE " + name + " AS " + pgSql))
        .add(statement("EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE " + name + nullArguments(pgSql)))
        .add(statement("DEALLOCATE " + name));
    return queries.transaction("metrics.explain", statements, null)
        .map(results -> plan(results.getJsonObject(3)))
        .compose(plan -> hints(plan).map(hints -> new JsonObject().put("plan", plan).put("hints", hints)));
  }

  private static JsonObject statement(String sql) {
    return new JsonObject().put("sql", sql);
  }

  /** {@code (NULL, NULL)} for as many parameters as the statement has, or "" for none. */
  static String nullArguments(String pgSql) {
    int count = 0;
    Matcher m = PLACEHOLDER.matcher(pgSql);
    while (m.find()) {
      count = Math.max(count, Integer.parseInt(m.group(1)));
    }
    return count == 0 ? "" : "(" + String.join(", ", java.util.Collections.nCopies(count, "NULL")) + ")";
  }

  /** The plan's root node out of {@code [{"QUERY PLAN": [{"Plan": {…}}]}]}. */
  private static JsonObject plan(JsonObject result) {
    Object value = result.getJsonArray("rows").getJsonObject(0).getValue("QUERY PLAN");
    JsonArray document = value instanceof JsonArray array ? array : new JsonArray(String.valueOf(value));
    return document.getJsonObject(0).getJsonObject("Plan");
  }

  /** One hint per large table the plan scans sequentially. */
  private Future<JsonArray> hints(JsonObject plan) {
    Map<String, JsonObject> scans = new LinkedHashMap<>();
    seqScans(plan, scans);
    List<Future<String>> hints = new ArrayList<>();
    scans.forEach((table, node) -> hints.add(hint(table, node)));
    return Future.all(hints).map(all -> {
      JsonArray out = new JsonArray();
      for (int i = 0; i < all.size(); i++) {
        String hint = all.resultAt(i);
        if (hint != null) {
          out.add(hint);
        }
      }
      return out;
    });
  }

  static void seqScans(JsonObject node, Map<String, JsonObject> found) {
    if ("Seq Scan".equals(node.getString("Node Type")) && node.getString("Relation Name") != null) {
      String schema = node.getString("Schema");
      String table = (schema == null ? "" : quote(schema) + ".") + quote(node.getString("Relation Name"));
      found.putIfAbsent(table, node);
    }
    JsonArray children = node.getJsonArray("Plans");
    if (children != null) {
      for (int i = 0; i < children.size(); i++) {
        seqScans(children.getJsonObject(i), found);
      }
    }
  }

  private Future<String> hint(String table, JsonObject node) {
    return queries.query(new JsonObject()
            .put("operation", "metrics.table_size")
            .put("sql", "SELECT c.reltuples::bigint AS estimated_rows, pg_relation_size(c.oid) AS bytes"
                + " FROM pg_class c WHERE c.oid = to_regclass($1)")
            .put("params", new JsonArray().add(table))
            .put("timeoutMs", timeoutMs)
            .put("readOnly", true))
        .map(result -> {
          JsonObject row = result.firstRow();
          if (row == null) {
            return null;
          }
          long rows = row.getLong("estimated_rows", -1L);
          long bytes = row.getLong("bytes", 0L);
          boolean large = rows >= LARGE_TABLE_ROWS || rows < 0 && bytes >= LARGE_TABLE_BYTES;
          if (!large) {
            return null;
          }
          String filter = node.getString("Filter");
          String size = rows >= 0 ? "about " + rows + " rows" : (bytes >> 20) + " MB, never analyzed";
          return "Sequential scan over " + node.getString("Relation Name") + " (" + size + "): PostgreSQL reads"
              + " the whole table" + (filter == null ? "" : " and then applies " + filter)
              + ". An index on the column(s) this statement filters or sorts by would let it read only the"
              + " matching rows.";
        })
        .otherwise((String) null);
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
