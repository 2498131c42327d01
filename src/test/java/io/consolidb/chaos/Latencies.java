package io.consolidb.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Millisecond samples, thread-safe to add to; percentiles by nearest rank. */
final class Latencies {

  private final List<Long> samples = Collections.synchronizedList(new ArrayList<>());

  void add(long millis) {
    samples.add(millis);
  }

  int count() {
    return samples.size();
  }

  long percentile(double p) {
    List<Long> sorted;
    synchronized (samples) {
      sorted = new ArrayList<>(samples);
    }
    if (sorted.isEmpty()) {
      return -1;
    }
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  long max() {
    return percentile(100);
  }
}
