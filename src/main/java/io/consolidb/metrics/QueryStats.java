package io.consolidb.metrics;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one node remembers about its recent queries beyond the registry's counters: the slow-query
 * log and the durations of the last {@value #WINDOW} queries (for an exact p95 in the summary; a
 * Prometheus histogram only knows bucket bounds). One instance per node, built by the node: the
 * query path writes it (one array slot per query) and the metrics verticle reads it. Thread-safe.
 */
public final class QueryStats {

  /** How many recent durations the p95 is computed over. */
  public static final int WINDOW = 2048;
  /** How many distinct slow statements are kept. */
  public static final int SLOW_CAPACITY = 50;
  /** A slow statement not seen again for this long leaves the log. */
  public static final long SLOW_MAX_AGE_MS = TimeUnit.HOURS.toMillis(1);


  private final SlowQueryLog slow = new SlowQueryLog(SLOW_CAPACITY, SLOW_MAX_AGE_MS);
  private final AtomicLongArray durations = new AtomicLongArray(WINDOW);
  private final AtomicLong recorded = new AtomicLong();

  public QueryStats() {
  }

  public SlowQueryLog slowQueries() {
    return slow;
  }

  void recordDuration(long nanos) {
    long n = recorded.getAndIncrement();
    durations.lazySet((int) (n % WINDOW), nanos);
  }

  /** The 95th percentile (nearest rank) of the recent durations, in milliseconds; 0 before any query. */
  public double p95Millis() {
    int size = (int) Math.min(recorded.get(), WINDOW);
    if (size == 0) {
      return 0;
    }
    long[] copy = new long[size];
    for (int i = 0; i < size; i++) {
      copy[i] = durations.get(i);
    }
    Arrays.sort(copy);
    int rank = (int) Math.ceil(0.95 * size);
    return copy[Math.max(0, rank - 1)] / 1_000_000.0;
  }

  /** Forgets everything (tests, and an operator's reset). */
  public void reset() {
    slow.clear();
    recorded.set(0);
  }
}
