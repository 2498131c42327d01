package io.consolidb.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which keys are read most, in bounded memory: a Caffeine cache of at most {@code capacity}
 * tracked keys, each with its read count and how to run its read again ({@link Replay}).
 * Caffeine's W-TinyLFU admission keeps the frequently read keys and lets one-off keys go (its
 * count-min frequency sketch decides who stays once the tracker is full), so a scan of a million
 * distinct keys cannot push the hot ones out; our own counters rank those it keeps. Caffeine's
 * {@code policy().eviction().hottest()} is not used for the ranking: it orders by the policy's
 * retention guess, recency first, and its sketch counts only to 15.
 *
 * <p>Cheap on the read path: one read in {@code sampleEvery} is counted (weighted by it), with a
 * thread-local random draw deciding; a counted read is a Caffeine lookup and a {@link LongAdder}
 * increment, and only the first read of a key builds its replay. Thread-safe.
 */
final class HotKeys {

  /** A key's count since the last ranking (halved at each: older reads weigh less) and its read. */
  static final class Heat {
    final Replay replay;
    final LongAdder reads = new LongAdder();

    Heat(Replay replay) {
      this.replay = replay;
    }
  }

  /** One ranked key: its read and its (sampled) reads over the recent rankings. */
  record Hot(String key, Replay replay, long reads) {
  }

  private final Cache<String, Heat> tracked;
  private final int sampleEvery;

  /**
   * @param capacity    most keys tracked at once (each holds its key and its replay)
   * @param sampleEvery one read in this many is counted (1: all)
   */
  HotKeys(int capacity, int sampleEvery) {
    if (capacity < 1 || sampleEvery < 1) {
      throw new IllegalArgumentException("capacity and sampleEvery must be at least 1: " + capacity + ", " + sampleEvery);
    }
    this.tracked = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
    this.sampleEvery = sampleEvery;
  }

  /** A read of {@code key}; {@code loader} and {@code spec} say how to run it again (not tracked if they cannot). */
  void record(String key, NodeCache.Loader<?> loader, CacheSpec spec) {
    if (sampleEvery > 1 && ThreadLocalRandom.current().nextInt(sampleEvery) != 0) {
      return;
    }
    Heat heat = tracked.getIfPresent(key);
    if (heat == null) {
      Replay replay = Replay.of(key, loader.replay(), spec);
      if (replay == null) {
        return;
      }
      heat = tracked.get(key, k -> new Heat(replay));
    }
    heat.reads.add(sampleEvery);
  }

  /**
   * The {@code n} most read keys, most read first, then every count halved (what is hot is what
   * was read lately); keys whose count reaches 0 are forgotten. Keys never read since they were
   * tracked are not ranked.
   */
  List<Hot> rank(int n) {
    PriorityQueue<Hot> top = new PriorityQueue<>(Comparator.comparingLong(Hot::reads));
    tracked.asMap().forEach((key, heat) -> {
      long reads = heat.reads.sum();
      if (reads > 0) {
        top.add(new Hot(key, heat.replay, reads));
        if (top.size() > n) {
          top.poll();
        }
      }
      long kept = heat.reads.sumThenReset() / 2;
      if (kept > 0) {
        heat.reads.add(kept);
      }
    });
    tracked.asMap().values().removeIf(heat -> heat.reads.sum() == 0);
    List<Hot> ranked = new ArrayList<>(top);
    ranked.sort(Comparator.comparingLong(Hot::reads).reversed());
    return ranked;
  }

  /** Keys tracked now (at most the capacity once Caffeine's maintenance ran). */
  long tracked() {
    tracked.cleanUp();
    return tracked.estimatedSize();
  }
}
