package io.consolidb.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The slowest recent statements of a node, one entry per normalized statement: its slowest
 * duration, how often it was slow, when last, and the operation that ran it. Bounded to
 * {@code capacity} statements; an entry not seen for {@code maxAgeMillis} is dropped, and when
 * the log is full the fastest entry makes room for a slower one.
 *
 * <p>For statements that are plain {@code SELECT}s, the log also keeps the text PostgreSQL ran
 * ({@code $n} placeholders; parameter values are never kept), so that
 * {@code GET /admin/queries/slow} can ask for its generic plan. Thread-safe; written only when a
 * query was slow.
 */
public final class SlowQueryLog {

  /** One slow statement. {@code pgSql} is null unless the statement may be explained. */
  public record Entry(String normalizedSql, String operation, long maxDurationMs, long lastDurationMs,
      long count, Instant at, String pgSql) {

    /** What callers may see: the normalized text, never the text with its literals. */
    public JsonObject toJson() {
      return new JsonObject()
          .put("sql", normalizedSql)
          .put("operation", operation)
          .put("duration_ms", maxDurationMs)
          .put("last_duration_ms", lastDurationMs)
          .put("count", count)
          .put("at", at.toString());
    }

    /** Whether a plain {@code EXPLAIN} of the last execution may be run. */
    public boolean explainable() {
      return pgSql != null;
    }
  }

  private final int capacity;
  private final long maxAgeMillis;
  private final Map<String, Entry> entries = new HashMap<>();

  public SlowQueryLog(int capacity, long maxAgeMillis) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.maxAgeMillis = maxAgeMillis;
  }

  /**
   * Records one slow execution. {@code pgSql} is kept for a later EXPLAIN only when the statement
   * is a single plain {@code SELECT} ({@link #isPlainSelect}).
   */
  public synchronized void add(String normalizedSql, String operation, long durationMs, Instant at, String pgSql) {
    String keptSql = pgSql != null && isPlainSelect(normalizedSql) ? pgSql : null;
    Entry previous = entries.get(normalizedSql);
    if (previous != null) {
      entries.put(normalizedSql, new Entry(normalizedSql, operation, Math.max(previous.maxDurationMs, durationMs),
          durationMs, previous.count + 1, at, keptSql));
      return;
    }
    expire(at);
    if (entries.size() >= capacity) {
      Entry fastest = entries.values().stream().min(Comparator.comparingLong(Entry::maxDurationMs)).orElseThrow();
      if (fastest.maxDurationMs > durationMs) {
        return;
      }
      entries.remove(fastest.normalizedSql);
    }
    entries.put(normalizedSql, new Entry(normalizedSql, operation, durationMs, durationMs, 1, at, keptSql));
  }

  /** The entries, slowest first, at most {@code limit}; entries older than the max age are left out. */
  public synchronized List<Entry> slowest(int limit, Instant now) {
    expire(now);
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::maxDurationMs).reversed().thenComparing(Entry::normalizedSql));
    return sorted.size() > limit ? List.copyOf(sorted.subList(0, limit)) : List.copyOf(sorted);
  }

  /** {@link #slowest} as the JSON the summary shows. */
  public JsonArray toJson(int limit, Instant now) {
    JsonArray array = new JsonArray();
    slowest(limit, now).forEach(e -> array.add(e.toJson()));
    return array;
  }

  public synchronized void clear() {
    entries.clear();
  }

  /**
   * A statement a plain {@code EXPLAIN} may be run on: it starts with {@code SELECT}, holds no
   * {@code ;} (one statement) and no {@code INTO}, {@code FOR UPDATE/SHARE} or data-changing
   * keyword. Literals are already {@code ?} in the normalized text, so words inside strings do
   * not count. EXPLAIN without ANALYZE never runs the statement; this keeps writes out anyway.
   */
  static boolean isPlainSelect(String normalizedSql) {
    String upper = " " + normalizedSql.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]+", " ") + " ";
    if (!upper.startsWith(" SELECT ") || normalizedSql.contains(";")) {
      return false;
    }
    for (String word : new String[] {" INSERT ", " UPDATE ", " DELETE ", " MERGE ", " INTO ", " TRUNCATE ",
        " FOR UPDATE ", " FOR SHARE ", " FOR NO KEY ", " FOR KEY "}) {
      if (upper.contains(word)) {
        return false;
      }
    }
    return true;
  }

  private void expire(Instant now) {
    if (maxAgeMillis > 0) {
      Instant oldest = now.minusMillis(maxAgeMillis);
      entries.values().removeIf(e -> e.at.isBefore(oldest));
    }
  }
}
